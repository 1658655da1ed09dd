import type { TestProject } from 'vitest/node';
import { removeSuiteContainers } from '../cleanup.js';
import { newHandoffPath, removeHandoff, writeHandoff } from '../cluster/handoff.js';
import { chooseProvider } from '../cluster/choose-provider.js';
import type { StartedCluster } from '../cluster/cluster-provider.js';
import { suiteConfig } from '../suite-config.js';
import { describeError } from '../kube/watch-until.js';
import { SCENARIO_IMAGES_ON_DEMAND, SCENARIO_NODE_PORTS, SYSTEM_IMAGES } from '../system.js';

/**
 * One cluster per run, shared by every scenario file: the system's images loaded into the node (the init-order
 * file's, resolved, are loaded by that file), an ingress controller, and every lane's NodePorts mapped. Each file deploys its own copy of the system into its own namespace
 * (harness/scenario-system.ts), scenarioLanes() files at once.
 *
 * It starts in the background: this setup returns at once, so the unit and contract tests (which run first) run
 * while the cluster boots, and each scenario file waits for it (harness/setup/cluster.ts). Torn down at the end.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const orphans = await removeSuiteContainers('orphaned');
  if (orphans.length > 0) console.log(`[cluster] removed ${orphans.length} container(s) left by an interrupted run`);
  const handoff = newHandoffPath();
  project.provide('clusterHandoff', handoff);
  const starting: Promise<StartedCluster | undefined> = chooseProvider(suiteConfig(), { nodePorts: SCENARIO_NODE_PORTS })
    .withImages(SYSTEM_IMAGES)
    .withImagesOnDemand(SCENARIO_IMAGES_ON_DEMAND)
    .withIngress()
    .start()
    .then(
      (cluster) => {
        writeHandoff(handoff, { info: cluster.info });
        return cluster;
      },
      (error: unknown) => {
        console.error(`[cluster] could not start: ${describeError(error)}`);
        writeHandoff(handoff, { error: describeError(error) });
        return undefined;
      },
    );
  return async () => {
    const cluster = await starting;
    await cluster?.stop();
    removeHandoff(handoff);
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    clusterHandoff: string;
  }
}
