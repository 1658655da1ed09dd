import { PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import type { KubeClients } from './clients.js';

const FIELD_MANAGER = 'kube-microservices-suite';
const FIRST = ['Namespace', 'CustomResourceDefinition', 'ServiceAccount', 'ClusterRole', 'Role', 'ConfigMap', 'Secret'];

function order(object: KubernetesObject): number {
  const index = FIRST.indexOf(object.kind ?? '');
  return index === -1 ? FIRST.length : index;
}

/** Applies objects with server-side apply (create or update, as `kubectl apply --server-side` does), in dependency order. */
export async function applyObjects(clients: KubeClients, objects: KubernetesObject[]): Promise<void> {
  for (const object of [...objects].sort((a, b) => order(a) - order(b))) {
    try {
      await clients.objects.patch(object, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
    } catch (error) {
      throw new Error(`applying ${object.kind}/${object.metadata?.name}: ${(error as Error).message}`);
    }
  }
}
