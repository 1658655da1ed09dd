import type { V1Deployment, V1EndpointSlice, V1Pod } from '@kubernetes/client-node';

/** The addresses of an EndpointSlice set that are ready to receive traffic, with the pods they belong to. */
export function readyEndpointPods(slices: V1EndpointSlice[]): string[] {
  return slices.flatMap((slice) =>
    (slice.endpoints ?? []).filter((endpoint) => endpoint.conditions?.ready !== false).map((endpoint) => endpoint.targetRef?.name ?? endpoint.addresses[0] ?? '?'),
  );
}

/** The label selector of a Service's EndpointSlices. */
export const endpointSliceSelector = (service: string): string => `kubernetes.io/service-name=${service}`;

/** Sum of container restarts of a set of pods. */
export function restartCount(pods: V1Pod[]): number {
  return pods.reduce((sum, pod) => sum + (pod.status?.containerStatuses ?? []).reduce((inner, status) => inner + status.restartCount, 0), 0);
}

/** Whether a pod's Ready condition is True. */
export function podReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True') ?? false;
}

/** The figures of a Deployment a rollout is judged by. */
export function deploymentCounts(deployment: V1Deployment): { desired: number; ready: number; updated: number; available: number; replicas: number } {
  return {
    desired: deployment.spec?.replicas ?? 1,
    ready: deployment.status?.readyReplicas ?? 0,
    updated: deployment.status?.updatedReplicas ?? 0,
    available: deployment.status?.availableReplicas ?? 0,
    replicas: deployment.status?.replicas ?? 0,
  };
}

/**
 * Whether a Deployment is available, in the one sense the suite uses: its controller has seen its current template,
 * and every desired replica is of that template and available, with no other replica left (what `kubectl rollout
 * status` waits for). Stronger than the Available condition, which only needs the minimum the rollout strategy keeps.
 */
export function rolledOut(deployment: V1Deployment): boolean {
  const counts = deploymentCounts(deployment);
  return (
    (deployment.status?.observedGeneration ?? 0) >= (deployment.metadata?.generation ?? 0) &&
    counts.updated === counts.desired &&
    counts.available === counts.desired &&
    counts.replicas === counts.desired
  );
}

/**
 * Whether a Deployment has at least the floor an HPA sets it (its minReplicas; 0 if none targets it). A Deployment
 * an HPA manages has no count of its own in the manifests: it is created at Kubernetes' default of 1 and raised to
 * the floor at the HPA's first sync, up to a sync period (15 s) after the HPA was created.
 */
export function atHpaFloor(deployment: V1Deployment, floors: ReadonlyMap<string, number>): boolean {
  return deploymentCounts(deployment).desired >= (floors.get(deployment.metadata?.name ?? '') ?? 0);
}

/** Ready endpoints of a Service's EndpointSlices counted per node (endpoints without a nodeName count under '?'). */
export function readyEndpointsByNode(slices: V1EndpointSlice[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const endpoint of slices.flatMap((slice) => slice.endpoints ?? [])) {
    if (endpoint.conditions?.ready === false) continue;
    const node = endpoint.nodeName ?? '?';
    counts[node] = (counts[node] ?? 0) + 1;
  }
  return counts;
}
