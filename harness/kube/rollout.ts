import type { V1Deployment, V1PodTemplateSpec, V1ReplicaSet } from '@kubernetes/client-node';
import type { KubeClients } from './clients.js';
import { retryOnConflict } from './retry-on-conflict.js';
import { watchUntil } from './watch-until.js';
import { rolledOut } from './workload-state.js';

const REVISION = 'deployment.kubernetes.io/revision';

/** Read, change and replace a Deployment's pod template, retrying on a write conflict (e.g. a status update). */
export async function updatePodTemplate(
  clients: KubeClients,
  namespace: string,
  name: string,
  change: (template: V1PodTemplateSpec) => V1PodTemplateSpec,
): Promise<V1Deployment> {
  return retryOnConflict(async () => {
    const deployment = await clients.apps.readNamespacedDeployment({ name, namespace });
    deployment.spec!.template = change(structuredClone(deployment.spec!.template));
    return clients.apps.replaceNamespacedDeployment({ name, namespace, body: deployment });
  });
}

/** A new version of the workload: the template's version label, which the pods report as SERVICE_VERSION. */
export function withVersion(version: string): (template: V1PodTemplateSpec) => V1PodTemplateSpec {
  return (template) => {
    template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, 'app.kubernetes.io/version': version } };
    return template;
  };
}

/** A restart, as `kubectl rollout restart` does it: a new template annotation, so every pod is replaced. */
export function withRestart(at = new Date()): (template: V1PodTemplateSpec) => V1PodTemplateSpec {
  return (template) => {
    template.metadata = { ...template.metadata, annotations: { ...template.metadata?.annotations, 'kubectl.kubernetes.io/restartedAt': at.toISOString() } };
    return template;
  };
}

/** Sets one environment variable of one container to a literal value (replacing a valueFrom). */
export function withEnv(container: string, name: string, value: string): (template: V1PodTemplateSpec) => V1PodTemplateSpec {
  return (template) => {
    const target = template.spec?.containers.find((item) => item.name === container);
    if (!target) throw new Error(`no container ${container} in the template`);
    target.env = [...(target.env ?? []).filter((variable) => variable.name !== name), { name, value }];
    return template;
  };
}

/** The ReplicaSets a Deployment owns, newest revision first. */
async function ownedReplicaSets(clients: KubeClients, deployment: V1Deployment): Promise<V1ReplicaSet[]> {
  const namespace = deployment.metadata!.namespace!;
  const all = (await clients.apps.listNamespacedReplicaSet({ namespace })).items;
  return all
    .filter((rs) => rs.metadata?.ownerReferences?.some((owner) => owner.uid === deployment.metadata?.uid))
    .sort((a, b) => Number(b.metadata?.annotations?.[REVISION] ?? 0) - Number(a.metadata?.annotations?.[REVISION] ?? 0));
}

/**
 * Rolls a Deployment back to its previous revision, the way `kubectl rollout undo` does: the template of the
 * ReplicaSet with the second-highest revision (without its pod-template-hash label) becomes the Deployment's template.
 */
export async function rollBack(clients: KubeClients, namespace: string, name: string): Promise<V1Deployment> {
  const deployment = await clients.apps.readNamespacedDeployment({ name, namespace });
  const previous = (await ownedReplicaSets(clients, deployment))[1];
  if (!previous?.spec?.template) throw new Error(`${namespace}/${name} has no previous revision to roll back to`);
  const template = structuredClone(previous.spec.template);
  delete template.metadata?.labels?.['pod-template-hash'];
  return updatePodTemplate(clients, namespace, name, () => template);
}

/** Waits (watch, deadline) until the Deployment has rolled out its current template. */
export async function waitForRollout(
  clients: KubeClients,
  namespace: string,
  name: string,
  timeoutMs: number,
  diagnostics?: () => Promise<string>,
): Promise<V1Deployment> {
  const [deployment] = await watchUntil<V1Deployment>(clients.kc, {
    what: `Deployment ${namespace}/${name} to finish rolling out`,
    path: `/apis/apps/v1/namespaces/${namespace}/deployments`,
    list: async () => {
      const listed = await clients.apps.listNamespacedDeployment({ namespace });
      return { items: listed.items.filter((item) => item.metadata?.name === name), metadata: listed.metadata };
    },
    satisfied: (deployments) => deployments.some((item) => item.metadata?.name === name && rolledOut(item)),
    timeoutMs,
    diagnostics,
  });
  return deployment!;
}
