import { loadYaml, PatchStrategy, type KubernetesObject, type V1Deployment, type V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import type { KubeClients } from './clients.js';
import { retryOnConflict } from './retry-on-conflict.js';

const FIELD_MANAGER = 'kube-microservices-suite';
const FIRST = ['Namespace', 'CustomResourceDefinition', 'ServiceAccount', 'ClusterRole', 'Role', 'ConfigMap', 'Secret'];

function order(object: KubernetesObject): number {
  const index = FIRST.indexOf(object.kind ?? '');
  return index === -1 ? FIRST.length : index;
}

/**
 * The Deployments of a set that an HPA of the same set manages and that carry no replica count of their own, with
 * the HPA's minReplicas. They have none so that a forced apply never takes the count back from the HPA.
 */
export function hpaFloorsOf(objects: readonly KubernetesObject[]): { namespace: string; name: string; floor: number }[] {
  const hpas = objects.filter((object): object is V2HorizontalPodAutoscaler => object.kind === 'HorizontalPodAutoscaler');
  return objects
    .filter((object): object is V1Deployment => object.kind === 'Deployment' && (object as V1Deployment).spec?.replicas === undefined)
    .flatMap((deployment) => {
      const { name = '', namespace = 'default' } = deployment.metadata ?? {};
      const hpa = hpas.find((item) => (item.metadata?.namespace ?? 'default') === namespace && item.spec?.scaleTargetRef.kind === 'Deployment' && item.spec.scaleTargetRef.name === name);
      return hpa ? [{ namespace, name, floor: hpa.spec?.minReplicas ?? 1 }] : [];
    });
}

/**
 * What the HPA does at its first sync, done at once: a Deployment created without a count starts at 1, and the HPA
 * raises it to minReplicas only a sync period (15 s) after the HPA was created. Raises, never lowers, through the scale
 * subresource (as the HPA does), so the apply's field manager never owns the count.
 */
async function raiseToHpaFloors(clients: KubeClients, objects: readonly KubernetesObject[]): Promise<void> {
  for (const { namespace, name, floor } of hpaFloorsOf(objects)) {
    await retryOnConflict(async () => {
      const scale = await clients.apps.readNamespacedDeploymentScale({ name, namespace });
      if ((scale.spec?.replicas ?? 1) >= floor) return scale;
      scale.spec = { ...scale.spec, replicas: floor };
      return clients.apps.replaceNamespacedDeploymentScale({ name, namespace, body: scale, fieldManager: `${FIELD_MANAGER}-hpa-floor` });
    });
  }
}

/**
 * A plain object (parsed YAML, as rendered) as client-node's model of its kind, which is what its API calls serialize:
 * they send only the model's fields, under their JSON names, and the model calls some fields otherwise (a
 * NetworkPolicy rule's `from` is `_from`), so a plain `from` was dropped and every ingress rule admitted anyone.
 */
export function asClientModel(object: KubernetesObject): KubernetesObject {
  return loadYaml<KubernetesObject>(JSON.stringify(object));
}

/**
 * Applies objects with server-side apply (create or update, as `kubectl apply --server-side` does), in dependency
 * order; then raises the Deployments an HPA manages to its floor (raiseToHpaFloors).
 */
export async function applyObjects(clients: KubeClients, objects: KubernetesObject[]): Promise<void> {
  for (const object of [...objects].sort((a, b) => order(a) - order(b))) {
    try {
      await clients.objects.patch(asClientModel(object), undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
    } catch (error) {
      throw new Error(`applying ${object.kind}/${object.metadata?.name}: ${(error as Error).message}`);
    }
  }
  await raiseToHpaFloors(clients, objects);
}
