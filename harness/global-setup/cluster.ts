import type { TestProject } from 'vitest/node';
import { removeSuiteContainers } from '../cleanup.js';
import type { ClusterInfo } from '../cluster/cluster-info.js';
import { TestCluster } from '../cluster/test-cluster.js';
import { SYSTEM_IMAGES, SYSTEM_NODE_PORTS, TEST_OVERLAY } from '../system.js';

/**
 * One cluster per run, shared by every scenario file (they run one after another): the monitoring system from
 * manifests/overlays/test, deployed and available before the first scenario starts. Torn down at the end.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const orphans = await removeSuiteContainers('orphaned');
  if (orphans.length > 0) console.log(`[cluster] removed ${orphans.length} container(s) left by an interrupted run`);
  const cluster = await new TestCluster()
    .withImages([...SYSTEM_IMAGES])
    .withNodePorts(...SYSTEM_NODE_PORTS)
    .withOverlay(TEST_OVERLAY)
    .start();
  project.provide('cluster', cluster.info);
  return async () => {
    await cluster.stop();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    cluster: ClusterInfo;
  }
}
