import type { V1PodTemplateSpec, V1Taint } from '@kubernetes/client-node';
import type { ConnectedCluster } from './cluster/connected-cluster.js';
import type { JoinedAgent } from './cluster/join-agents.js';
import { chooseDrainPair, setTaint, setUnschedulable, type DrainPair } from './kube/nodes.js';
import { suiteConfig } from './suite-config.js';

/**
 * A node a scenario file has to itself, to drain (and to kill, when the suite started it), and the node its pods
 * move to. A NoSchedule taint that only the pods the file places there tolerate keeps every other pod off it, so the
 * files running beside it never have a pod there.
 */
export interface DedicatedNode {
  /** `drain`: the dedicated node; `partner`: where its pods move. */
  pair: DrainPair;
  /** The agent that joined for the file, on a cluster the suite started: the node that can be killed. */
  agent?: JoinedAgent;
}

/** The taint that keeps a scenario's dedicated node to itself. */
export function dedicatedTaint(scenario: string): V1Taint {
  return { key: 'kube-microservices-suite/dedicated', value: scenario, effect: 'NoSchedule' };
}

/**
 * Dedicates a node to the scenario. On a cluster the suite started, an agent joins (registered with the taint) with
 * `images` loaded into it, and pairs with the server; on a cluster it did not start (KMS_KUBECONFIG), one of its own
 * nodes (KMS_DRAIN_NODE, else chooseDrainPair's choice) is tainted for the file's duration.
 */
export async function dedicateNode(cluster: ConnectedCluster, scenario: string, images: string[]): Promise<DedicatedNode> {
  const taint = dedicatedTaint(scenario);
  if (cluster.info.mode === 'external') {
    const pair = chooseDrainPair((await cluster.clients.core.listNode()).items, suiteConfig().drainNode);
    await setTaint(cluster.clients, pair.drain, taint, true);
    return { pair };
  }
  const [agent] = await cluster.addAgents(1, { images, taints: [`${taint.key}=${taint.value}:${taint.effect}`], namePrefix: `kms-${scenario}` });
  return { pair: { drain: agent!.nodeName, partner: cluster.nodes()[0]!.nodeName }, agent };
}

/**
 * Gives the node back: the agent removed (its container, its Node and the pods bound to it), or the cluster's own
 * node untainted and uncordoned. Returns what was done, for the log.
 */
export async function releaseNode(cluster: ConnectedCluster, scenario: string, dedicated: DedicatedNode): Promise<string> {
  const { drain } = dedicated.pair;
  if (dedicated.agent) {
    const removed = await cluster.removeAgent(dedicated.agent.container);
    return `removed ${drain}: its Node and ${removed.length} pod(s) bound to it${removed.length > 0 ? ` (${removed.join(', ')})` : ''}`;
  }
  await setTaint(cluster.clients, drain, dedicatedTaint(scenario), false);
  await setUnschedulable(cluster.clients, drain, false);
  return `gave ${drain} back: untainted and uncordoned`;
}

/**
 * A pod template that tolerates the scenario's dedicated node and is kept on the pair (idempotent), so the spread is
 * the same two nodes on any cluster. What never gets it (Redis, the worker) stays off the dedicated node.
 */
export function placeOnPair(scenario: string, pair: DrainPair): (template: V1PodTemplateSpec) => V1PodTemplateSpec {
  const taint = dedicatedTaint(scenario);
  return (template) => {
    const spec = template.spec!;
    const tolerations = spec.tolerations ?? [];
    if (!tolerations.some((item) => item.key === taint.key)) spec.tolerations = [...tolerations, { ...taint, operator: 'Equal' }];
    const onPair = { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [pair.drain, pair.partner] }] };
    spec.affinity = { ...spec.affinity, nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [onPair] } } };
    return template;
  };
}
