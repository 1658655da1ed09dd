import type { KubeClients } from './clients.js';
import { retryOnConflict } from './retry-on-conflict.js';

/** The label a cut-off Service selects on: no pod carries it, so the Service has no endpoints. */
const CUT_LABEL = 'kube-microservices-suite/cut-off';

/**
 * Makes a Service unreachable without touching its pods (which keep their state, e.g. an emptyDir database): its
 * selector is pointed at a label no pod has, so its EndpointSlices empty and new connections are refused.
 * Connections already open are not cut by this (kube-proxy keeps established flows); close them at the server.
 * Returns the function that puts the original selector back (once: calling it again does nothing, so a teardown
 * may call it whether or not the scenario already did).
 */
export async function cutServiceOff(clients: KubeClients, namespace: string, name: string): Promise<() => Promise<void>> {
  const service = await clients.core.readNamespacedService({ name, namespace });
  const original = { ...service.spec!.selector };
  service.spec!.selector = { [CUT_LABEL]: 'true' };
  await clients.core.replaceNamespacedService({ name, namespace, body: service });
  let restored = false;
  return async () => {
    if (restored) return;
    await retryOnConflict(async () => {
      const current = await clients.core.readNamespacedService({ name, namespace });
      current.spec!.selector = original;
      await clients.core.replaceNamespacedService({ name, namespace, body: current });
    });
    restored = true;
  };
}
