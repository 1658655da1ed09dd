import type { V1Deployment, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import type { KubeClients } from './clients.js';
import { ignoreNotFound } from './not-found.js';
import { watchUntil } from './watch-until.js';

/** Kubernetes' defaults: the controller-manager's --horizontal-pod-autoscaler-sync-period, metrics-server's --metric-resolution. */
export const DEFAULT_HPA_SYNC_PERIOD_SECONDS = 15;
export const DEFAULT_METRIC_RESOLUTION_SECONDS = 60;

/** Waits (watch, deadline) until the named HPA satisfies a condition; resolves with it. */
export async function waitForHpa(
  clients: KubeClients,
  target: { namespace: string; name: string },
  what: string,
  satisfied: (hpa: V2HorizontalPodAutoscaler) => boolean,
  timeoutMs: number,
): Promise<V2HorizontalPodAutoscaler> {
  const { namespace, name } = target;
  const hpas = await watchUntil<V2HorizontalPodAutoscaler>(clients.kc, {
    what: `HPA ${namespace}/${name}: ${what}`,
    path: `/apis/autoscaling/v2/namespaces/${namespace}/horizontalpodautoscalers`,
    list: () => clients.autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace }),
    satisfied: (current) => current.some((hpa) => hpa.metadata?.name === name && satisfied(hpa)),
    timeoutMs,
  });
  return hpas.find((hpa) => hpa.metadata?.name === name)!;
}

/** The floor (minReplicas, default 1) of every Deployment an HPA of the namespace targets, by Deployment name. */
export async function hpaFloors(clients: KubeClients, namespace: string): Promise<Map<string, number>> {
  const hpas = (await clients.autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace })).items;
  return new Map(hpas.filter((hpa) => hpa.spec?.scaleTargetRef.kind === 'Deployment').map((hpa) => [hpa.spec!.scaleTargetRef.name, hpa.spec!.minReplicas ?? 1]));
}

/** Every metric the HPA is configured with has a current value (what `kubectl get hpa` shows instead of <unknown>). */
export function reportsAllMetrics(hpa: V2HorizontalPodAutoscaler): boolean {
  const configured = (hpa.spec?.metrics ?? []).map((metric) => metric.resource?.name);
  const current = hpa.status?.currentMetrics ?? [];
  return configured.length > 0 && configured.every((resource) => current.some((metric) => metric.resource?.name === resource && metric.resource?.current.averageUtilization !== undefined));
}

/** A Go duration as metrics-server's flags take it ("10s", "1m", "1m30s"), in seconds. */
export function durationSeconds(text: string): number {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(h|m|s)/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== text) throw new Error(`not a duration: ${text}`);
  return parts.reduce((sum, [, value, unit]) => sum + Number(value) * { h: 3600, m: 60, s: 1 }[unit as 'h' | 'm' | 's'], 0);
}

/** metrics-server's --metric-resolution (how often it scrapes the kubelets), from its Deployment's arguments. */
export function metricResolutionSeconds(metricsServer: V1Deployment): number {
  const args = (metricsServer.spec?.template.spec?.containers ?? []).flatMap((container) => [...(container.command ?? []), ...(container.args ?? [])]);
  const flag = args.find((arg) => arg.startsWith('--metric-resolution='));
  return flag ? durationSeconds(flag.slice('--metric-resolution='.length)) : DEFAULT_METRIC_RESOLUTION_SECONDS;
}

/** The cluster's metrics-server resolution (kube-system/metrics-server, as k3s and the offline node deploy it; else its default). */
export async function readMetricResolutionSeconds(clients: KubeClients): Promise<number> {
  const metricsServer = await ignoreNotFound(clients.apps.readNamespacedDeployment({ name: 'metrics-server', namespace: 'kube-system' }));
  return metricsServer ? metricResolutionSeconds(metricsServer) : DEFAULT_METRIC_RESOLUTION_SECONDS;
}

/**
 * The latest an HPA can decide to scale out after a load that exceeds its target starts, before slack: metrics-server
 * computes CPU usage as a rate between two scrapes, so the first sample taken wholly under load comes at most two
 * resolutions after the load starts; the HPA controller reads it at its next sync, at most one sync period later.
 * (A scale-up stabilization window would add to this; the suite's HPAs scale up at once.)
 */
export function scaleOutDecisionBoundSeconds(settings: { metricResolutionSeconds: number; syncPeriodSeconds: number }): number {
  return 2 * settings.metricResolutionSeconds + settings.syncPeriodSeconds;
}

/** Kubernetes' default --horizontal-pod-autoscaler-tolerance: no scaling while usage/target is within 10 %. */
export const DEFAULT_HPA_TOLERANCE = 0.1;

/**
 * Whether the HPA's last reading of a resource is far enough above its target to make it scale out: beyond the
 * controller's tolerance, with `margin` more so that noise between readings does not undo it.
 */
export function readsAboveTarget(hpa: V2HorizontalPodAutoscaler, resource: string, margin = 0.1): boolean {
  const target = hpa.spec?.metrics?.find((metric) => metric.resource?.name === resource)?.resource?.target.averageUtilization;
  const current = hpa.status?.currentMetrics?.find((metric) => metric.resource?.name === resource)?.resource?.current.averageUtilization;
  if (target === undefined || current === undefined) return false;
  return current * 100 >= target * Math.round((1 + DEFAULT_HPA_TOLERANCE + margin) * 100); // in whole percent: no float edge
}
