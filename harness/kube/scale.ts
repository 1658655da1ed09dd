import { PatchStrategy, type V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import type { KubeClients } from './clients.js';
import { retryOnConflict } from './retry-on-conflict.js';

/** Sets a Deployment's replica count through its scale subresource (as `kubectl scale` does). */
export async function scaleDeployment(clients: KubeClients, namespace: string, name: string, replicas: number): Promise<void> {
  await retryOnConflict(async () => {
    const scale = await clients.apps.readNamespacedDeploymentScale({ name, namespace });
    scale.spec = { ...scale.spec, replicas };
    return clients.apps.replaceNamespacedDeploymentScale({ name, namespace, body: scale });
  });
}

/** Changes an HPA's bounds (read, modify, replace; again if the HPA controller wrote its status in between). */
export async function setHpaBounds(clients: KubeClients, namespace: string, name: string, bounds: { min?: number; max?: number }): Promise<V2HorizontalPodAutoscaler> {
  return retryOnConflict(async () => {
    const hpa = await clients.autoscaling.readNamespacedHorizontalPodAutoscaler({ name, namespace });
    if (bounds.min !== undefined) hpa.spec!.minReplicas = bounds.min;
    if (bounds.max !== undefined) hpa.spec!.maxReplicas = bounds.max;
    return clients.autoscaling.replaceNamespacedHorizontalPodAutoscaler({ name, namespace, body: hpa });
  });
}

/**
 * Sets a pod's `controller.kubernetes.io/pod-deletion-cost`: when its ReplicaSet scales down, among ready pods it
 * removes those of lower cost first (unset is 0).
 */
export async function setPodDeletionCost(clients: KubeClients, namespace: string, pod: string, cost: number): Promise<void> {
  const patch = { apiVersion: 'v1', kind: 'Pod', metadata: { name: pod, namespace, annotations: { 'controller.kubernetes.io/pod-deletion-cost': String(cost) } } };
  await clients.objects.patch(patch, undefined, undefined, undefined, undefined, PatchStrategy.MergePatch);
}
