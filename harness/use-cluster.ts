import { ConnectedCluster } from './cluster/connected-cluster.js';
import type { ClusterInfo } from './cluster/cluster-info.js';

let provided: ClusterInfo | undefined;

/** Called by the scenarios' setup file (harness/setup/cluster.ts) once the cluster is ready. */
export function provideClusterInfo(info: ClusterInfo): void {
  provided = info;
}

/** In a scenario file: the cluster the global setup started (or the user's own, with KMS_KUBECONFIG). */
export function useCluster(): ConnectedCluster {
  if (!provided) throw new Error('no cluster: useCluster() works in files of the scenarios project (vitest.config.ts), whose setup file waits for it');
  return new ConnectedCluster(provided);
}
