import type { V1Pod } from '@kubernetes/client-node';
import type { KubeClients } from './clients.js';

/** One workload of a system: its Deployment, the Service in front of it (if any) and its pods' label selector. */
export interface Workload {
  namespace: string;
  deployment: string;
  service?: string;
  podSelector: string;
}

/** The label selector of an app's pods: every manifest of the suite labels them app.kubernetes.io/name=<app>. */
export const appSelector = (app: string): string => `app.kubernetes.io/name=${app}`;

/** A workload whose Deployment, Service and pods' app label share the app's name, as the suite's manifests have it. */
export function appWorkload(namespace: string, app: string): Workload {
  return { namespace, deployment: app, service: app, podSelector: appSelector(app) };
}

/** A workload's pods, without those already shutting down (a rollout's old pods stay listed while they drain). */
export async function livePods(clients: KubeClients, workload: Pick<Workload, 'namespace' | 'podSelector'>): Promise<V1Pod[]> {
  const pods = await clients.core.listNamespacedPod({ namespace: workload.namespace, labelSelector: workload.podSelector });
  return pods.items.filter((pod) => !pod.metadata?.deletionTimestamp);
}
