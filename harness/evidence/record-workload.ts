import type { V1Deployment, V1EndpointSlice, V1Pod } from '@kubernetes/client-node';
import type { KubeClients } from '../kube/clients.js';
import { watchObjects, type ObjectsWatch } from '../kube/watch-objects.js';
import { deploymentCounts, endpointSliceSelector, readyEndpointPods, restartCount } from '../kube/workload-state.js';
import type { Timeline } from './timeline.js';

export interface WorkloadRecording {
  /** Lowest ready replica count seen since recording began (Deployment watch), and the desired count then. */
  minReady(): { ready: number; desired: number } | undefined;
  /** Lowest ready-endpoint count seen since recording began. */
  minReadyEndpoints(): number | undefined;
  stop(): void;
}

/**
 * Feeds a timeline from watches of one workload: its Deployment (desired, ready, updated replicas), its Service's
 * EndpointSlices (ready endpoints) and its pods (container restarts). Keeps the minima for assertions.
 */
export function recordWorkload(
  clients: KubeClients,
  timeline: Timeline,
  target: { namespace: string; deployment: string; service?: string; podSelector: string },
): WorkloadRecording {
  const { namespace } = target;
  let lowestReady: { ready: number; desired: number } | undefined;
  let lowestEndpoints: number | undefined;
  const watches: ObjectsWatch[] = [
    watchObjects<V1Deployment>(clients.kc, {
      path: `/apis/apps/v1/namespaces/${namespace}/deployments`,
      list: () => clients.apps.listNamespacedDeployment({ namespace, fieldSelector: `metadata.name=${target.deployment}` }),
      labelSelector: undefined,
      onChange: (deployments, at) => {
        const deployment = deployments.find((item) => item.metadata?.name === target.deployment);
        if (!deployment) return;
        const counts = deploymentCounts(deployment);
        timeline.set('desiredReplicas', counts.desired, at);
        timeline.set('readyReplicas', counts.ready, at);
        timeline.set('updatedReplicas', counts.updated, at);
        if (!lowestReady || counts.ready - counts.desired < lowestReady.ready - lowestReady.desired) lowestReady = { ready: counts.ready, desired: counts.desired };
      },
    }),
    watchObjects<V1Pod>(clients.kc, {
      path: `/api/v1/namespaces/${namespace}/pods`,
      list: () => clients.core.listNamespacedPod({ namespace, labelSelector: target.podSelector }),
      labelSelector: target.podSelector,
      onChange: (pods, at) => timeline.set('restarts', restartCount(pods), at),
    }),
  ];
  if (target.service) {
    const selector = endpointSliceSelector(target.service);
    watches.push(
      watchObjects<V1EndpointSlice>(clients.kc, {
        path: `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices`,
        list: () => clients.discovery.listNamespacedEndpointSlice({ namespace, labelSelector: selector }),
        labelSelector: selector,
        onChange: (slices, at) => {
          const ready = readyEndpointPods(slices).length;
          timeline.set('readyEndpoints', ready, at);
          lowestEndpoints = Math.min(lowestEndpoints ?? ready, ready);
        },
      }),
    );
  }
  return {
    minReady: () => lowestReady,
    minReadyEndpoints: () => lowestEndpoints,
    stop: () => watches.forEach((watch) => watch.stop()),
  };
}
