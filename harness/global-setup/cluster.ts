import { rmSync, writeFileSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { removeSuiteContainers } from '../cleanup.js';
import { newHandoffPath, removeHandoff, writeHandoff } from '../cluster/handoff.js';
import { TestCluster, type StartedTestCluster } from '../cluster/test-cluster.js';
import { describeError } from '../kube/watch-until.js';
import { SCENARIO_IMAGES_ON_DEMAND, SCENARIO_NODE_PORTS, SYSTEM_IMAGES } from '../system.js';

/**
 * One cluster per run, shared by every scenario file: the system's images loaded into the node (the init-order
 * file's are resolved at start and loaded in the background once the cluster is ready), an ingress controller,
 * and every lane's NodePorts mapped. Each file deploys its own copy of the system into its own namespace
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
  let backgroundLoad: Promise<void> = Promise.resolve();
  const starting: Promise<StartedTestCluster | undefined> = new TestCluster()
    .withImages([...SYSTEM_IMAGES])
    .withImagesOnDemand([...SCENARIO_IMAGES_ON_DEMAND])
    .withNodePorts(...SCENARIO_NODE_PORTS)
    .withIngress()
    .start()
    .then(
      (cluster) => {
        // init-order's images go into the node while the first scenario files run; its ensureImages() waits for it.
        const images = [...SCENARIO_IMAGES_ON_DEMAND];
        writeHandoff(handoff, { info: { ...cluster.info, backgroundLoad: { images, doneFile: `${handoff}.images-loaded` } } });
        const started = Date.now();
        backgroundLoad = cluster.ensureImages(images).then(
          () => console.log(`[cluster] loaded ${images.join(', ')} in the background in ${(Date.now() - started) / 1000} s`),
          (error: unknown) => console.error(`[cluster] background load of ${images.join(', ')} failed (the file that needs them loads them): ${describeError(error)}`),
        );
        void backgroundLoad.finally(() => writeFileSync(`${handoff}.images-loaded`, ''));
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
    await backgroundLoad;
    await cluster?.stop();
    removeHandoff(handoff);
    rmSync(`${handoff}.images-loaded`, { force: true });
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    clusterHandoff: string;
  }
}
