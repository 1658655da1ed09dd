import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../images/catalog.js';
import type { KubeClients } from '../kube/clients.js';
import { waitForRollout } from '../kube/rollout.js';
import type { ConnectedCluster } from './connected-cluster.js';

/**
 * The ingress controller that serves the system's Ingress (class `traefik`): Traefik either way, named and published
 * alike (kube-system/traefik, web on a NodePort), so tests reach it the same way on every cluster.
 *   - `bundled`: the cluster's own Traefik. rancher/k3s ships one: the server keeps it (no --disable=traefik) and a
 *     HelmChartConfig, written into k3s's auto-applied manifests folder before boot, fixes its web NodePort.
 *   - `deployed`: the offline node image has none (nor may an external cluster): the harness loads images/traefik and
 *     applies manifests/ingress-controller/traefik.
 */
export const INGRESS_CONTROLLER = {
  /** Catalog image of the controller the harness deploys. */
  image: 'traefik',
  manifests: 'manifests/ingress-controller/traefik',
  k3sHelmChartConfig: 'manifests/ingress-controller/k3s-traefik/helmchartconfig.yaml',
  /** Where k3s applies manifests from at boot (and keeps re-applying them). */
  k3sManifestsDir: '/var/lib/rancher/k3s/server/manifests',
  namespace: 'kube-system',
  deployment: 'traefik',
  /** The web entrypoint's fixed NodePort, mapped out of the node container. */
  webNodePort: 30090,
} as const;

export type IngressControllerMode = 'bundled' | 'deployed';

/** rancher/k3s (or any k3s image pinned with KMS_IMAGE_NODE) bundles Traefik; the suite's own node image does not. */
export function ingressControllerMode(nodeImage: string): IngressControllerMode {
  return nodeImage.startsWith('kube-microservices-suite/') ? 'deployed' : 'bundled';
}

/** An external cluster (KMS_KUBECONFIG) that runs its own kube-system/traefik keeps it; the suite never takes it over. */
export async function externalIngressControllerMode(clients: KubeClients): Promise<IngressControllerMode> {
  const { namespace, deployment } = INGRESS_CONTROLLER;
  const existing = await clients.apps.readNamespacedDeployment({ name: deployment, namespace }).catch((error: { code?: number }) => {
    if (error.code === 404) return undefined;
    throw error;
  });
  const ours = existing?.metadata?.labels?.['app.kubernetes.io/part-of'] === 'kube-microservices-suite';
  return existing && !ours ? 'bundled' : 'deployed';
}

/** The file k3s needs before boot to publish its bundled Traefik on the fixed NodePort. */
export function k3sTraefikConfig(): { target: string; content: string } {
  return {
    target: `${INGRESS_CONTROLLER.k3sManifestsDir}/kms-traefik-config.yaml`,
    content: readFileSync(join(repoRoot, INGRESS_CONTROLLER.k3sHelmChartConfig), 'utf8'),
  };
}

/**
 * Makes the controller serve: applies it when the harness deploys it (its image must already be loaded), then waits
 * (watch, deadline) until its Deployment is rolled out and ready (k3s creates its bundled one a little after boot:
 * the wait covers a Deployment that does not exist yet). Returns the web entrypoint's NodePort, read from the live
 * Service.
 */
export async function startIngressController(cluster: ConnectedCluster, mode: IngressControllerMode, timeoutMs = 180_000): Promise<number> {
  const { namespace, deployment } = INGRESS_CONTROLLER;
  if (mode === 'deployed') await cluster.apply(INGRESS_CONTROLLER.manifests);
  await waitForRollout(cluster.clients, namespace, deployment, timeoutMs, () => cluster.describe(namespace));
  const service = await cluster.clients.core.readNamespacedService({ name: deployment, namespace });
  const nodePort = service.spec?.ports?.find((port) => port.name === 'web')?.nodePort;
  if (!nodePort) throw new Error(`Service ${namespace}/${deployment} has no NodePort for its web port (type ${service.spec?.type})`);
  return nodePort;
}
