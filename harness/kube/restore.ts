import type { KubernetesObject, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import type { ConnectedCluster } from '../cluster/connected-cluster.js';
import { NAMESPACE, TEST_OVERLAY } from '../system.js';
import { applyObjects } from './apply.js';
import { waitForCpuBelowTargets } from './cool-down.js';
import { deleteHpa } from './scale.js';

const isHpa = (object: KubernetesObject): object is V2HorizontalPodAutoscaler => object.kind === 'HorizontalPodAutoscaler';

/**
 * Hands the shared system back as deployed (a scenario's afterAll): re-applies the test overlay (server-side apply
 * puts every managed field back: templates, replica counts, Services) and waits for every Deployment.
 *
 * The HPAs are deleted first and re-created last, once CPU is back under their targets: an HPA that kept its
 * recommendations, or saw the tail of a scenario's load, would hold a scaled-out count for its 300 s scale-down
 * window, and the next scenario file would not start from the deployed state.
 */
export async function restoreDeployedSystem(cluster: ConnectedCluster, coolDownTimeoutMs = 90_000): Promise<void> {
  const { clients } = cluster;
  const objects = await cluster.render(TEST_OVERLAY);
  const hpas = objects.filter(isHpa);
  await applyObjects(clients, objects.filter((object) => !isHpa(object)));
  const live = (await clients.autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace: NAMESPACE })).items;
  for (const hpa of live) await deleteHpa(clients, NAMESPACE, hpa.metadata!.name!);
  try {
    await cluster.waitForDeployments(NAMESPACE);
    await waitForCpuBelowTargets(clients, NAMESPACE, hpas, coolDownTimeoutMs);
  } finally {
    // Whatever happened, the HPAs are back.
    await applyObjects(clients, hpas);
  }
}
