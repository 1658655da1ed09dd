import type { V1Deployment, V1Toleration } from '@kubernetes/client-node';

/** Kubernetes' defaults, for a cluster whose settings the harness did not choose. */
export const DEFAULT_NODE_MONITOR_GRACE_PERIOD_SECONDS = 50; // since 1.32 (40 s before)
export const DEFAULT_TOLERATION_SECONDS = 300; // DefaultTolerationSeconds admission plugin
export const DEFAULT_NODE_MONITOR_PERIOD_SECONDS = 5;

/** What decides how fast Kubernetes reacts to a node that stops reporting. */
export interface NodeLossSettings {
  /** controller-manager --node-monitor-grace-period. */
  gracePeriodSeconds: number;
  /** controller-manager --node-monitor-period. */
  monitorPeriodSeconds: number;
  /** The pods' tolerationSeconds for node.kubernetes.io/unreachable (NoExecute). */
  tolerationSeconds: number;
  /** Time a replacement pod needs once it is bound to a node, until Ready: its startup and readiness probe periods. */
  probeSeconds: number;
}

export interface NodeLossBounds {
  /** Kill -> the node's Ready condition is Unknown; its pods are marked not ready at the same pass. */
  notReadySeconds: number;
  /** Kill -> replacements of its pods ready elsewhere (before slack for scheduling and container start). */
  replacedSeconds: number;
}

/**
 * The worst cases after a node's abrupt loss, from the settings (the slack for a loaded machine is the caller's):
 * - the node's last lease renewal was at most at the kill; the controller notices the lease older than the grace
 *   period at its next pass, at most monitorPeriod later: NotReady (Ready=Unknown), its pods not ready, out of
 *   their Services' EndpointSlices, and the NoExecute taint node.kubernetes.io/unreachable added;
 * - the pods are deleted tolerationSeconds after the taint; their ReplicaSets create replacements at once, which
 *   are Ready after at most their first startup and readiness probe periods.
 */
export function nodeLossBounds(settings: NodeLossSettings): NodeLossBounds {
  const notReadySeconds = settings.gracePeriodSeconds + settings.monitorPeriodSeconds;
  return { notReadySeconds, replacedSeconds: notReadySeconds + settings.tolerationSeconds + settings.probeSeconds };
}

/** tolerationSeconds of a pod template for a NoExecute taint key (Kubernetes' 300 s when none is set). */
export function tolerationSecondsFor(tolerations: V1Toleration[] | undefined, key: string): number {
  const toleration = (tolerations ?? []).find(
    (item) => (item.key === key || (item.key === undefined && item.operator === 'Exists')) && (item.effect ?? 'NoExecute') === 'NoExecute',
  );
  if (!toleration) return DEFAULT_TOLERATION_SECONDS;
  return toleration.tolerationSeconds ?? Number.POSITIVE_INFINITY; // no seconds: tolerated forever
}

/** Startup + readiness probe periods of a Deployment's containers (the longest container), in seconds. */
export function probeSeconds(deployment: V1Deployment): number {
  const containers = deployment.spec?.template.spec?.containers ?? [];
  return Math.max(0, ...containers.map((c) => (c.startupProbe?.periodSeconds ?? 0) + (c.readinessProbe ? (c.readinessProbe.periodSeconds ?? 10) : 0)));
}

/**
 * The settings a node loss is bounded by, for pods of these Deployments on a cluster whose node-monitor settings are
 * `controller` (Kubernetes' defaults where it does not say: a cluster the suite did not start): the longest
 * unreachable toleration and the slowest probe periods among them.
 */
export function nodeLossSettingsFor(
  controller: { nodeMonitorGracePeriodSeconds?: number; nodeMonitorPeriodSeconds?: number } | undefined,
  deployments: V1Deployment[],
): NodeLossSettings {
  return {
    gracePeriodSeconds: controller?.nodeMonitorGracePeriodSeconds ?? DEFAULT_NODE_MONITOR_GRACE_PERIOD_SECONDS,
    monitorPeriodSeconds: controller?.nodeMonitorPeriodSeconds ?? DEFAULT_NODE_MONITOR_PERIOD_SECONDS,
    tolerationSeconds: Math.max(...deployments.map((deployment) => tolerationSecondsFor(deployment.spec?.template.spec?.tolerations, 'node.kubernetes.io/unreachable'))),
    probeSeconds: Math.max(0, ...deployments.map(probeSeconds)),
  };
}
