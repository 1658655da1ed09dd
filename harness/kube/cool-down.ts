import type { V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import type { KubeClients } from './clients.js';

/** CPU quantity ("250m", "1", "12345n") in millicores. */
export function millicores(quantity: string): number {
  const match = /^([0-9.]+)([numk]?)$/.exec(quantity);
  if (!match) throw new Error(`not a CPU quantity: ${quantity}`);
  const value = Number(match[1]);
  const factor = { n: 1e-6, u: 1e-3, m: 1, k: 1e6, '': 1000 }[match[2] as 'n' | 'u' | 'm' | 'k' | ''];
  return value * factor;
}

/**
 * Average CPU use of a Deployment's pods as a percentage of their request, from the metrics API (what the HPA
 * reads), or undefined while metrics-server has no reading for them.
 */
export async function cpuUtilization(clients: KubeClients, namespace: string, deployment: string): Promise<number | undefined> {
  const spec = await clients.apps.readNamespacedDeployment({ name: deployment, namespace });
  const selector = Object.entries(spec.spec?.selector.matchLabels ?? {}).map(([key, value]) => `${key}=${value}`).join(',');
  const requested = (spec.spec?.template.spec?.containers ?? []).reduce((sum, container) => sum + millicores(String(container.resources?.requests?.cpu ?? '0')), 0);
  const pods = new Set((await clients.core.listNamespacedPod({ namespace, labelSelector: selector })).items.map((pod) => pod.metadata?.name));
  const metrics = (await clients.metrics.getPodMetrics(namespace)).items.filter((item) => pods.has(item.metadata.name));
  if (metrics.length === 0 || requested === 0) return undefined;
  const used = metrics.map((item) => item.containers.reduce((sum, container) => sum + millicores(container.usage.cpu), 0));
  return (used.reduce((a, b) => a + b, 0) / used.length / requested) * 100;
}

/**
 * Polls (deadline) until every HPA target's CPU is back under its HPA's CPU target, so that a re-created HPA does
 * not scale out on the tail of a scenario's load. Resolves with the utilizations seen last.
 */
export async function waitForCpuBelowTargets(clients: KubeClients, namespace: string, hpas: V2HorizontalPodAutoscaler[], timeoutMs: number): Promise<Record<string, number | undefined>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const seen: Record<string, number | undefined> = {};
    let cool = true;
    for (const hpa of hpas) {
      const target = hpa.spec?.metrics?.find((metric) => metric.resource?.name === 'cpu')?.resource?.target.averageUtilization;
      if (target === undefined) continue;
      const name = hpa.spec!.scaleTargetRef.name;
      seen[name] = await cpuUtilization(clients, namespace, name).catch(() => undefined);
      if (seen[name] === undefined || seen[name] >= target * 0.8) cool = false;
    }
    if (cool) return seen;
    if (Date.now() > deadline) throw new Error(`CPU did not fall under the HPA targets within ${timeoutMs / 1000} s: ${JSON.stringify(seen)}`);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
}
