import { afterEach } from 'vitest';
import type { ConnectedCluster } from './cluster/connected-cluster.js';

/** In a scenario's describe: when a step fails, print the namespace's pods, events and logs beside the failure. */
export function describeNamespaceOnFailure(cluster: ConnectedCluster, namespace: string): void {
  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail') console.log(await cluster.describe(namespace));
  });
}
