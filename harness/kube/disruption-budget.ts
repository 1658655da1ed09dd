import type { IntOrString, V1PodDisruptionBudget } from '@kubernetes/client-node';

/** An int-or-string of a budget ("1", 1, "50%") scaled to a pod count; percentages round up, as the controller does. */
function scaled(value: IntOrString, total: number): number {
  if (typeof value === 'number') return value;
  const percent = /^(\d+)%$/.exec(value);
  if (percent) return Math.ceil((Number(percent[1]) * total) / 100);
  if (/^\d+$/.test(value)) return Number(value);
  throw new Error(`not an int or a percentage: ${value}`);
}

/**
 * How many of `expectedPods` pods a PodDisruptionBudget requires healthy (ready), as the disruption controller
 * computes `desiredHealthy`: expected - maxUnavailable, or minAvailable. Evictions are refused (429) while
 * healthy pods <= this number.
 */
export function desiredHealthy(budget: V1PodDisruptionBudget, expectedPods: number): number {
  const spec = budget.spec ?? {};
  if (spec.maxUnavailable !== undefined) return Math.max(0, expectedPods - scaled(spec.maxUnavailable, expectedPods));
  if (spec.minAvailable !== undefined) return scaled(spec.minAvailable, expectedPods);
  return 0;
}

/** Evictions the budget allows when all `expectedPods` pods are healthy. */
export function allowedDisruptions(budget: V1PodDisruptionBudget, expectedPods: number): number {
  return Math.max(0, expectedPods - desiredHealthy(budget, expectedPods));
}
