import type { V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import type { KubeClients } from './clients.js';

/** Sets a Deployment's replica count through its scale subresource (as `kubectl scale` does). */
export async function scaleDeployment(clients: KubeClients, namespace: string, name: string, replicas: number): Promise<void> {
  const scale = await clients.apps.readNamespacedDeploymentScale({ name, namespace });
  scale.spec = { ...scale.spec, replicas };
  await clients.apps.replaceNamespacedDeploymentScale({ name, namespace, body: scale });
}

/** Changes an HPA's bounds (read, modify, replace). */
export async function setHpaBounds(clients: KubeClients, namespace: string, name: string, bounds: { min?: number; max?: number }): Promise<V2HorizontalPodAutoscaler> {
  const hpa = await clients.autoscaling.readNamespacedHorizontalPodAutoscaler({ name, namespace });
  if (bounds.min !== undefined) hpa.spec!.minReplicas = bounds.min;
  if (bounds.max !== undefined) hpa.spec!.maxReplicas = bounds.max;
  return clients.autoscaling.replaceNamespacedHorizontalPodAutoscaler({ name, namespace, body: hpa });
}

/**
 * Deletes an HPA (ignoring one already gone). A re-created HPA has no recommendation history, so it does not hold a
 * scaled-up count through its scale-down stabilization window: how a scenario hands back the deployed state quickly.
 */
export async function deleteHpa(clients: KubeClients, namespace: string, name: string): Promise<void> {
  await clients.autoscaling.deleteNamespacedHorizontalPodAutoscaler({ name, namespace }).catch((error: { code?: number }) => {
    if (error.code !== 404) throw error;
  });
}
