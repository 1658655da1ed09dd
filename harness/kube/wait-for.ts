import type { V1EndpointSlice, V1Pod } from '@kubernetes/client-node';
import type { KubeClients } from './clients.js';
import { watchUntil } from './watch-until.js';
import { endpointSliceSelector, readyEndpointPods, readyEndpointsByNode } from './workload-state.js';

/** Waits (watch, deadline) until a view of a Service's EndpointSlices satisfies a condition; resolves with that view. */
async function waitForSlices<T>(
  clients: KubeClients,
  target: { namespace: string; service: string },
  what: string,
  view: (slices: V1EndpointSlice[]) => T,
  satisfied: (value: T) => boolean,
  timeoutMs: number,
): Promise<T> {
  const { namespace, service } = target;
  const selector = endpointSliceSelector(service);
  const slices = await watchUntil<V1EndpointSlice>(clients.kc, {
    what: `the ${service} Service's endpoints: ${what}`,
    path: `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices`,
    labelSelector: selector,
    list: () => clients.discovery.listNamespacedEndpointSlice({ namespace, labelSelector: selector }),
    satisfied: (current) => satisfied(view(current)),
    timeoutMs,
  });
  return view(slices);
}

/** Waits (watch, deadline) until a Service's ready endpoints satisfy a condition; resolves with the ready pod names. */
export function waitForEndpoints(
  clients: KubeClients,
  target: { namespace: string; service: string },
  what: string,
  satisfied: (readyPods: string[]) => boolean,
  timeoutMs: number,
): Promise<string[]> {
  return waitForSlices(clients, target, what, readyEndpointPods, satisfied, timeoutMs);
}

/** Waits (watch, deadline) until a Service's ready endpoints, counted per node, satisfy a condition. */
export function waitForEndpointsByNode(
  clients: KubeClients,
  target: { namespace: string; service: string },
  what: string,
  satisfied: (readyByNode: Record<string, number>) => boolean,
  timeoutMs: number,
): Promise<Record<string, number>> {
  return waitForSlices(clients, target, what, readyEndpointsByNode, satisfied, timeoutMs);
}

/** Waits (watch, deadline) until the pods matching a label selector satisfy a condition. */
export async function waitForPods(
  clients: KubeClients,
  target: { namespace: string; labelSelector: string },
  what: string,
  satisfied: (pods: V1Pod[]) => boolean,
  timeoutMs: number,
  diagnostics?: () => Promise<string>,
): Promise<V1Pod[]> {
  const { namespace, labelSelector } = target;
  return watchUntil<V1Pod>(clients.kc, {
    what: `pods ${labelSelector}: ${what}`,
    path: `/api/v1/namespaces/${namespace}/pods`,
    labelSelector,
    list: () => clients.core.listNamespacedPod({ namespace, labelSelector }),
    satisfied,
    timeoutMs,
    diagnostics,
  });
}
