import type { V1Node, V1Pod, V1Taint } from '@kubernetes/client-node';
import type { KubeClients } from './clients.js';
import { watchUntil } from './watch-until.js';
import { ignoreNotFound } from './not-found.js';
import { retryOnConflict } from './retry-on-conflict.js';

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
  diagnostics?: () => Promise<string>,
): Promise<V1Node> {
  const nodes = await watchUntil<V1Node>(clients.kc, {
    what: `node ${name}: ${what}`,
    path: '/api/v1/nodes',
    list: () => clients.core.listNode(),
    satisfied: (current) => current.some((node) => node.metadata?.name === name && satisfied(node)),
    timeoutMs,
    diagnostics,
  });
  return nodes.find((node) => node.metadata?.name === name)!;
}

/** Changes a node (read, change, replace), retrying write conflicts. */
async function updateNode(clients: KubeClients, name: string, change: (node: V1Node) => void): Promise<void> {
  await retryOnConflict(async () => {
    const node = await clients.core.readNode({ name });
    change(node);
    await clients.core.replaceNode({ name, body: node });
  });
}

/** Cordons (unschedulable: true) or uncordons a node, as `kubectl cordon/uncordon` does. */
export async function setUnschedulable(clients: KubeClients, name: string, unschedulable: boolean): Promise<void> {
  await updateNode(clients, name, (node) => {
    node.spec = { ...node.spec, unschedulable };
  });
}

/** Adds a taint to a node, or removes every taint of that key (`kubectl taint nodes NAME KEY-`). */
export async function setTaint(clients: KubeClients, name: string, taint: V1Taint, present: boolean): Promise<void> {
  await updateNode(clients, name, (node) => {
    const others = (node.spec?.taints ?? []).filter((item) => item.key !== taint.key);
    node.spec = { ...node.spec, taints: present ? [...others, taint] : others };
  });
}

/** A node the scenarios may drain, and the node its pods move to. */
export interface DrainPair {
  drain: string;
  partner: string;
}

const isControlPlane = (node: V1Node): boolean =>
  Object.keys(node.metadata?.labels ?? {}).some((label) => label === 'node-role.kubernetes.io/control-plane' || label === 'node-role.kubernetes.io/master');
const schedulable = (node: V1Node): boolean =>
  nodeReady(node) && !node.spec?.unschedulable && !(node.spec?.taints ?? []).some((taint) => taint.effect === 'NoSchedule' || taint.effect === 'NoExecute');

/**
 * On a cluster the suite did not start: which node to drain, and which one its pods move to. Only Ready nodes that
 * take pods (not cordoned, no NoSchedule or NoExecute taint) qualify. The drained node is `requested` (KMS_DRAIN_NODE)
 * when given, else the last qualifying worker by name (a control-plane node only when no worker qualifies); the
 * partner is the first other qualifying node by name, preferring workers.
 */
export function chooseDrainPair(nodes: V1Node[], requested?: string): DrainPair {
  const candidates = nodes.filter(schedulable).sort((a, b) => a.metadata!.name!.localeCompare(b.metadata!.name!));
  const names = candidates.map((node) => node.metadata!.name!);
  if (requested && !names.includes(requested)) {
    const known = nodes.map((node) => node.metadata?.name).join(', ');
    throw new Error(`KMS_DRAIN_NODE=${requested} is not a Ready node that takes pods (qualifying: ${names.join(', ') || 'none'}; nodes: ${known})`);
  }
  if (candidates.length < 2) {
    throw new Error(`draining a node needs two Ready nodes that take pods; this cluster has ${names.length} (${names.join(', ') || 'none'})`);
  }
  const workersFirst = [...candidates.filter((node) => !isControlPlane(node)), ...candidates.filter(isControlPlane)].map((node) => node.metadata!.name!);
  const drain = requested ?? [...candidates.filter((node) => !isControlPlane(node))].pop()?.metadata?.name ?? names.at(-1)!;
  const partner = workersFirst.find((name) => name !== drain)!;
  return { drain, partner };
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
