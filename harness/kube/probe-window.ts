import type { V1Deployment, V1Probe } from '@kubernetes/client-node';

export interface ProbeWindows {
  readiness: V1Probe;
  liveness: V1Probe;
  startup?: V1Probe;
}

/** The probes of one container of a Deployment, as deployed (read from the live object, not from the manifests). */
export function containerProbes(deployment: V1Deployment, container: string): ProbeWindows {
  const spec = deployment.spec?.template.spec?.containers.find((item) => item.name === container);
  if (!spec?.readinessProbe || !spec.livenessProbe) throw new Error(`${deployment.metadata?.name}/${container} has no readiness or liveness probe`);
  return { readiness: spec.readinessProbe, liveness: spec.livenessProbe, startup: spec.startupProbe };
}

/**
 * How long the kubelet takes at most to act on a probe that starts failing: failureThreshold consecutive failures,
 * one per period, the first of which may come up to a period late, each allowed its timeout. In milliseconds.
 */
export function failureWindowMs(probe: V1Probe): number {
  const period = probe.periodSeconds ?? 10;
  const threshold = probe.failureThreshold ?? 3;
  const timeout = probe.timeoutSeconds ?? 1;
  return (period * threshold + timeout) * 1000;
}
