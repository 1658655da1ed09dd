import type { KubeClients } from '../kube/clients.js';
import { ignoreNotFound } from '../kube/not-found.js';
import { updatePodTemplate, waitForRollout } from '../kube/rollout.js';
import { waitForPods } from '../kube/wait-for.js';
import { podReady } from '../kube/workload-state.js';
import type { ConnectedCluster } from './connected-cluster.js';

/**
 * The ingress controller that serves the system's Ingress (class `traefik`): Traefik v3.5.4 from
 * manifests/ingress-controller/traefik, named and published alike everywhere (kube-system/traefik, web on a
 * NodePort), so tests reach it the same way on every cluster.
 *   - `deployed`: the harness loads the `traefik` image and applies the manifests. Every node kind the harness starts:
 *     rancher/k3s runs with --disable=traefik (node-settings.ts), so k3s's bundled Traefik (another version, from a
 *     Helm chart, behind a LoadBalancer Service) never runs and the ingress scenario proves one controller.
 *   - `existing`: an external cluster (KMS_KUBECONFIG) that runs its own kube-system/traefik keeps it; the suite
 *     never takes it over.
 */
export const INGRESS_CONTROLLER = {
  /** Catalog image of the controller the harness deploys. */
  image: 'traefik',
  manifests: 'manifests/ingress-controller/traefik',
  namespace: 'kube-system',
  deployment: 'traefik',
  /** The web entrypoint's fixed NodePort, mapped out of the node container. */
  webNodePort: 30090,
  /** The flag that names the namespaces whose Ingresses it serves (and whose Secrets it reads). */
  namespacesFlag: '--providers.kubernetesingress.namespaces',
} as const;

export type IngressControllerMode = 'existing' | 'deployed';

/** An external cluster that runs its own kube-system/traefik keeps it; otherwise the suite deploys its own. */
export async function externalIngressControllerMode(clients: KubeClients): Promise<IngressControllerMode> {
  const { namespace, deployment } = INGRESS_CONTROLLER;
  const existing = await ignoreNotFound(clients.apps.readNamespacedDeployment({ name: deployment, namespace }));
  const ours = existing?.metadata?.labels?.['app.kubernetes.io/part-of'] === 'kube-microservices-suite';
  return existing && !ours ? 'existing' : 'deployed';
}

/**
 * Makes the controller serve: applies it when the harness deploys it (its image must already be loaded), then waits
 * (watch, deadline) until its Deployment is rolled out and ready. Returns the web entrypoint's NodePort, read from the live
 * Service.
 */
export async function startIngressController(cluster: ConnectedCluster, mode: IngressControllerMode, timeoutMs = 180_000): Promise<number> {
  const { namespace, deployment } = INGRESS_CONTROLLER;
  if (mode === 'deployed') await cluster.apply(INGRESS_CONTROLLER.manifests);
  await waitForRollout(cluster.clients, namespace, deployment, timeoutMs, () => cluster.diagnostics(namespace));
  const service = await cluster.clients.core.readNamespacedService({ name: deployment, namespace });
  const nodePort = service.spec?.ports?.find((port) => port.name === 'web')?.nodePort;
  if (!nodePort) throw new Error(`Service ${namespace}/${deployment} has no NodePort for its web port (type ${service.spec?.type})`);
  return nodePort;
}

/**
 * Points the Traefik the suite deployed at one namespace (a scenario's copy of the system, which grants it its
 * Secrets: manifests/base/ingress/rbac.yaml) instead of the manifests' microservices-demo, and waits until the new pod
 * is ready. Traefik serves only namespaces that exist and grant it when it starts, so this comes after the system is
 * applied. A controller the suite did not deploy (`existing`) is left as it is. Returns whether it rolled Traefik.
 */
export async function serveNamespace(cluster: ConnectedCluster, namespace: string, timeoutMs = 120_000): Promise<boolean> {
  if (cluster.info.ingress?.mode !== 'deployed') return false;
  const { namespace: home, deployment, namespacesFlag } = INGRESS_CONTROLLER;
  const flag = `${namespacesFlag}=${namespace}`;
  const current = await cluster.clients.apps.readNamespacedDeployment({ name: deployment, namespace: home });
  if (current.spec?.template.spec?.containers[0]?.args?.includes(flag)) return false;
  await updatePodTemplate(cluster.clients, home, deployment, (template) => {
    const container = template.spec!.containers[0]!;
    container.args = [...(container.args ?? []).filter((arg) => !arg.startsWith(`${namespacesFlag}=`)), flag];
    return template;
  });
  const diagnostics = () => cluster.diagnostics(home);
  const rolled = await waitForRollout(cluster.clients, home, deployment, timeoutMs, diagnostics);
  // The old pod serves none of the namespace's routes, and a request the NodePort still sends it while it shuts down
  // times out: done once it is gone.
  const selector = Object.entries(rolled.spec?.selector.matchLabels ?? {}).map(([key, value]) => `${key}=${value}`).join(',');
  await waitForPods(cluster.clients, { namespace: home, labelSelector: selector }, 'only the new pod, ready', (pods) => pods.length > 0 && pods.every((pod) => !pod.metadata?.deletionTimestamp && podReady(pod)), timeoutMs, diagnostics);
  return true;
}
