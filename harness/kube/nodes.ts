import type { V1Node, V1Pod } from '@kubernetes/client-node';
import type { KubeClients } from './clients.js';
import { watchUntil } from './watch-until.js';
import { ignoreNotFound } from './not-found.js';

/** The status of a node's Ready condition: 'True', 'False', 'Unknown' (the node stopped reporting), or undefined. */
export function nodeReadyStatus(node: V1Node): string | undefined {
  return node.status?.conditions?.find((condition) => condition.type === 'Ready')?.status;
}

export const nodeReady = (node: V1Node): boolean => nodeReadyStatus(node) === 'True';

/** Waits (watch, deadline) until the named node satisfies a condition; resolves with the node. */
export async function waitForNode(
  clients: KubeClients,
  name: string,
  what: string,
  satisfied: (node: V1Node) => boolean,
  timeoutMs: number,
  explain?: () => Promise<string>,
): Promise<V1Node> {
  const nodes = await watchUntil<V1Node>(clients.kc, {
    what: `node ${name}: ${what}`,
    path: '/api/v1/nodes',
    list: () => clients.core.listNode(),
    satisfied: (current) => current.some((node) => node.metadata?.name === name && satisfied(node)),
    timeoutMs,
    explain,
  });
  return nodes.find((node) => node.metadata?.name === name)!;
}

/** Cordons (unschedulable: true) or uncordons a node, as `kubectl cordon/uncordon` does; retries write conflicts. */
export async function setUnschedulable(clients: KubeClients, name: string, unschedulable: boolean): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    const node = await clients.core.readNode({ name });
    node.spec = { ...node.spec, unschedulable };
    try {
      await clients.core.replaceNode({ name, body: node });
      return;
    } catch (error) {
      if ((error as { code?: number }).code !== 409 || attempt >= 5) throw error;
    }
  }
}

/** Every pod bound to a node, in every namespace. */
export async function podsOnNode(clients: KubeClients, name: string): Promise<V1Pod[]> {
  return (await clients.core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${name}` })).items;
}

/**
 * Removes a node that is gone for good, as a cloud's node controller does for a deleted machine: its Node object,
 * then its pods at once (grace 0: no kubelet is left to confirm a graceful deletion, so they would stay Terminating).
 * Returns the pods it deleted.
 */
export async function removeDeadNode(clients: KubeClients, name: string): Promise<string[]> {
  await ignoreNotFound(clients.core.deleteNode({ name }));
  const pods = await podsOnNode(clients, name);
  for (const pod of pods) {
    await ignoreNotFound(clients.core.deleteNamespacedPod({ name: pod.metadata!.name!, namespace: pod.metadata!.namespace!, gracePeriodSeconds: 0 }));
  }
  return pods.map((pod) => `${pod.metadata?.namespace}/${pod.metadata?.name}`);
}
