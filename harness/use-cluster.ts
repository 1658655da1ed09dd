import { inject } from 'vitest';
import { ConnectedCluster } from './cluster/connected-cluster.js';

/** In a scenario file: the cluster the global setup started (or the user's own, with KMS_KUBECONFIG). */
export function useCluster(): ConnectedCluster {
  return new ConnectedCluster(inject('cluster'));
}
