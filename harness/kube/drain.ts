import type { V1Pod } from '@kubernetes/client-node';
import type { KubeClients } from './clients.js';
import { podsOnNode, setUnschedulable } from './nodes.js';
import { watchUntil } from './watch-until.js';

/** What happened to one pod during a drain. */
export interface PodEviction {
  pod: string; // namespace/name
  /** Eviction requests refused with 429 (the pod's disruption budget allowed no disruption then). */
  refused: number;
  /** A few of the refusal messages, as the API worded them. */
  refusals: string[];
  /** When the eviction was accepted, and when the pod was gone (ms since the epoch). */
  evictedAt: number;
  goneAt: number;
}

export interface DrainReport {
  node: string;
  startedAt: number;
  finishedAt: number;
  evictions: PodEviction[];
  /** Pods left on the node on purpose (DaemonSet pods, mirror pods), with why. */
  skipped: string[];
}

export interface DrainOptions {
  /** Wait between eviction attempts refused with 429 (kubectl drain waits 5 s). */
  retryMs?: number;
  /** Deadline for the whole drain. */
  timeoutMs?: number;
  /** Called when something happens (for a timeline's marks). */
  onEvent?: (message: string) => void;
}

const podKey = (pod: V1Pod): string => `${pod.metadata?.namespace}/${pod.metadata?.name}`;

/**
 * Which pods of a node a drain evicts, as `kubectl drain --ignore-daemonsets --delete-emptydir-data` decides: not
 * DaemonSet pods (their controller would put them straight back), not mirror pods (static pods the API cannot
 * evict), not pods already being deleted.
 */
export function podsToEvict(pods: V1Pod[]): { evict: V1Pod[]; skipped: string[] } {
  const evict: V1Pod[] = [];
  const skipped: string[] = [];
  for (const pod of pods) {
    if (pod.metadata?.annotations?.['kubernetes.io/config.mirror'] !== undefined) skipped.push(`${podKey(pod)} (mirror pod)`);
    else if (pod.metadata?.ownerReferences?.some((owner) => owner.kind === 'DaemonSet' && owner.controller)) skipped.push(`${podKey(pod)} (DaemonSet)`);
    else if (pod.metadata?.deletionTimestamp) skipped.push(`${podKey(pod)} (already terminating)`);
    else evict.push(pod);
  }
  return { evict, skipped };
}

function apiMessage(error: unknown): string {
  const body = (error as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      return (JSON.parse(body) as { message?: string }).message ?? body;
    } catch {
      return body;
    }
  }
  return (error as Error).message;
}

/**
 * Cordons a node and evicts its pods through the Eviction API (policy/v1), the way `kubectl drain` does: every pod
 * at once, each retried while the API answers 429 (its PodDisruptionBudget allows no disruption now), then waits
 * until each evicted pod is gone. The node stays cordoned (uncordon with setUnschedulable(false)).
 */
export async function drainNode(clients: KubeClients, node: string, options: DrainOptions = {}): Promise<DrainReport> {
  const retryMs = options.retryMs ?? 2_000;
  const deadline = Date.now() + (options.timeoutMs ?? 300_000);
  const say = options.onEvent ?? (() => undefined);
  const startedAt = Date.now();
  await setUnschedulable(clients, node, true);
  say(`cordoned ${node}`);
  const { evict, skipped } = podsToEvict(await podsOnNode(clients, node));

  const evictOne = async (pod: V1Pod): Promise<PodEviction> => {
    const namespace = pod.metadata!.namespace!;
    const name = pod.metadata!.name!;
    const record: PodEviction = { pod: podKey(pod), refused: 0, refusals: [], evictedAt: 0, goneAt: 0 };
    for (;;) {
      try {
        await clients.core.createNamespacedPodEviction({
          name,
          namespace,
          body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } },
        });
        record.evictedAt = Date.now();
        say(`evicted ${record.pod}${record.refused ? ` after ${record.refused} refusal(s)` : ''}`);
        break;
      } catch (error) {
        const code = (error as { code?: number }).code;
        if (code === 404) {
          record.evictedAt = Date.now(); // gone already
          break;
        }
        if (code !== 429) throw new Error(`evicting ${record.pod}: ${apiMessage(error)}`);
        record.refused += 1;
        if (record.refusals.length < 3) record.refusals.push(apiMessage(error));
        if (record.refused === 1) say(`eviction of ${record.pod} refused (429): ${apiMessage(error)}`);
        if (Date.now() + retryMs > deadline) throw new Error(`drain of ${node}: ${record.pod} still refused after ${record.refused} attempts: ${apiMessage(error)}`);
        await new Promise((resolve) => setTimeout(resolve, retryMs));
      }
    }
    await watchUntil<V1Pod>(clients.kc, {
      what: `evicted pod ${record.pod} to be gone`,
      path: `/api/v1/namespaces/${namespace}/pods`,
      list: () => clients.core.listNamespacedPod({ namespace, fieldSelector: `metadata.name=${name}` }),
      satisfied: (pods) => !pods.some((item) => item.metadata?.name === name && item.metadata?.uid === pod.metadata?.uid),
      timeoutMs: Math.max(1_000, deadline - Date.now()),
    });
    record.goneAt = Date.now();
    return record;
  };

  const evictions = await Promise.all(evict.map(evictOne));
  say(`drained ${node}`);
  return { node, startedAt, finishedAt: Date.now(), evictions, skipped };
}
