import type { KubeClients } from './clients.js';
import { pollUntil } from '../poll.js';
import { ignoreNotFound } from './not-found.js';

/** A namespace's phase (Active, Terminating), or undefined once it is gone. */
const namespacePhase = async (clients: KubeClients, name: string): Promise<string | undefined> => {
  const namespace = await ignoreNotFound(clients.core.readNamespace({ name }));
  return namespace && (namespace.status?.phase ?? 'Active');
};

/** Deletes every Service of a namespace (their NodePorts are free when this returns). */
export async function deleteServices(clients: KubeClients, namespace: string): Promise<void> {
  const services = (await clients.core.listNamespacedService({ namespace })).items;
  await Promise.all(services.map((service) => ignoreNotFound(clients.core.deleteNamespacedService({ name: service.metadata!.name!, namespace }))));
}

/**
 * Deletes a namespace without waiting for it to be gone: its Services first (so their NodePorts are free the moment
 * this returns), then the namespace, and its pods with no grace period (nothing in a scenario's pods is worth a
 * graceful stop; a terminating namespace admits no new pods, so nothing replaces them). The namespace finishes
 * terminating in the background.
 */
export async function discardNamespace(clients: KubeClients, name: string): Promise<void> {
  await deleteServices(clients, name);
  await ignoreNotFound(clients.core.deleteNamespace({ name }));
  await clients.core.deleteCollectionNamespacedPod({ namespace: name, gracePeriodSeconds: 0 }).catch(() => undefined);
}

/** As discardNamespace, then waits (deadline) until the namespace is gone, so what comes next finds the node quiet. */
export async function deleteNamespaceNow(clients: KubeClients, name: string, timeoutMs = 120_000): Promise<void> {
  await discardNamespace(clients, name);
  await pollUntil(`namespace ${name} deleted`, async () => (await namespacePhase(clients, name)) === undefined, { timeoutMs, intervalMs: 1_000 });
}

/** Waits (deadline) until a namespace that is terminating is gone; at once if there is none or it is active. */
export async function waitUntilNotTerminating(clients: KubeClients, name: string, timeoutMs = 120_000): Promise<void> {
  await pollUntil(`namespace ${name} (terminating, from an earlier run) to be gone`, async () => (await namespacePhase(clients, name)) !== 'Terminating', {
    timeoutMs,
    intervalMs: 1_000,
  });
}
