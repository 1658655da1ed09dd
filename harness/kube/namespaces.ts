import type { KubeClients } from './clients.js';
import { pollUntil } from '../poll.js';

/**
 * Deletes a namespace and waits (deadline) until it is gone, so what comes next finds its NodePorts free and the
 * node quiet. Its pods are deleted with no grace period: a scenario's pods hold nothing worth a graceful stop, and
 * their preStop delays and drains would keep the namespace terminating for half a minute.
 */
export async function deleteNamespaceNow(clients: KubeClients, name: string, timeoutMs = 120_000): Promise<void> {
  await clients.core.deleteNamespace({ name }).catch((error: { code?: number }) => {
    if (error.code !== 404) throw error;
  });
  // A terminating namespace admits no new pods, so the ReplicaSets cannot replace these.
  await clients.core.deleteCollectionNamespacedPod({ namespace: name, gracePeriodSeconds: 0 }).catch(() => undefined);
  await pollUntil(
    `namespace ${name} deleted`,
    () =>
      clients.core.readNamespace({ name }).then(
        () => false,
        (error: { code?: number }) => error.code === 404,
      ),
    { timeoutMs, intervalMs: 1_000 },
  );
}

const ignoreGone = (error: { code?: number }): void => {
  if (error.code !== 404) throw error;
};

/** Deletes every Service of a namespace (their NodePorts are free when this returns). */
export async function deleteServices(clients: KubeClients, namespace: string): Promise<void> {
  const services = (await clients.core.listNamespacedService({ namespace })).items;
  await Promise.all(services.map((service) => clients.core.deleteNamespacedService({ name: service.metadata!.name!, namespace }).catch(ignoreGone)));
}

/**
 * Deletes a namespace without waiting for it to be gone: its Services first (so their NodePorts are free the moment
 * this returns), then the namespace, and its pods with no grace period (nothing in a scenario's pods is worth a
 * graceful stop). The namespace finishes terminating in the background.
 */
export async function discardNamespace(clients: KubeClients, name: string): Promise<void> {
  await deleteServices(clients, name);
  await clients.core.deleteNamespace({ name }).catch(ignoreGone);
  await clients.core.deleteCollectionNamespacedPod({ namespace: name, gracePeriodSeconds: 0 }).catch(() => undefined);
}

/** Waits (deadline) until a namespace that is terminating is gone; at once if there is none or it is active. */
export async function waitUntilNotTerminating(clients: KubeClients, name: string, timeoutMs = 120_000): Promise<void> {
  await pollUntil(
    `namespace ${name} (terminating, from an earlier run) to be gone`,
    () =>
      clients.core.readNamespace({ name }).then(
        (namespace) => namespace.status?.phase !== 'Terminating',
        (error: { code?: number }) => error.code === 404,
      ),
    { timeoutMs, intervalMs: 1_000 },
  );
}
