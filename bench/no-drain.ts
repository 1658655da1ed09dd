// npm run bench:no-drain — the rolling-update control experiment, repeated: the same gateway rollout under the same
// load, once with the drain recipe (manifests/overlays/test: preStop sleep, in-app drain) and once with the old pods
// stripped of it (manifests/overlays/no-drain), BENCH_NO_DRAIN_RUNS times each (default 3). Shows why the recipe
// matters; scenarios/rolling-update.test.ts asserts the "with drain" half on every `npm test`.
// Results: bench/results/no-drain.json and bench/results/no-drain.md; timelines in artifacts/no-drain/.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../images/catalog.js';
import { removeSuiteContainers } from '../harness/cleanup.js';
import { ContainerCluster } from '../harness/cluster/container-cluster.js';
import type { ConnectedCluster } from '../harness/cluster/connected-cluster.js';
import { updatePodTemplate, waitForRollout, withVersion } from '../harness/kube/rollout.js';
import { setHpaBounds } from '../harness/kube/scale.js';
import { describeLoad } from '../harness/load/constant-load.js';
import { observeUnderLoad, type Observed } from '../harness/load/under-load.js';
import { GATEWAY, gatewayWorkload, NAMESPACE, SYSTEM_IMAGES, SYSTEM_NODE_PORTS, TEST_OVERLAY } from '../harness/system.js';

const RUNS = Number(process.env.BENCH_NO_DRAIN_RUNS ?? 3);

const LOAD = { rate: 500, connections: 16, reconnectEvery: 20, minRequests: 10_000 }; // as scenarios/rolling-update
const ROLLOUT_TIMEOUT_MS = 150_000;

interface RunResult {
  recipe: 'with drain' | 'without drain';
  run: number;
  sent: number;
  failed: number;
  errorSamples: string[];
  rolloutSeconds: number;
}

/** The gateway's HPA held at its floor, so the rollout is the only thing changing pods (as in the scenario). */
async function holdHpa(cluster: ConnectedCluster): Promise<void> {
  const hpa = await cluster.clients.autoscaling.readNamespacedHorizontalPodAutoscaler({ name: GATEWAY, namespace: NAMESPACE });
  await setHpaBounds(cluster.clients, NAMESPACE, GATEWAY, { max: hpa.spec?.minReplicas ?? 2 });
}

async function applyAndSettle(cluster: ConnectedCluster, overlay: string): Promise<void> {
  await cluster.apply(overlay);
  await holdHpa(cluster);
  await waitForRollout(cluster.clients, NAMESPACE, GATEWAY, ROLLOUT_TIMEOUT_MS);
}

async function underLoad(cluster: ConnectedCluster, name: string, action: () => Promise<unknown>): Promise<Observed> {
  return observeUnderLoad({
    clients: cluster.clients,
    scenario: 'no-drain',
    name,
    url: `${await cluster.serviceUrl(GATEWAY, NAMESPACE)}/api/info`,
    workload: gatewayWorkload(NAMESPACE),
    ...LOAD,
    action,
  });
}

function result(recipe: RunResult['recipe'], run: number, observed: Observed): RunResult {
  const { load } = observed;
  const row = { recipe, run, sent: load.sent, failed: load.non2xx + load.errors, errorSamples: load.errorSamples.slice(0, 3), rolloutSeconds: observed.seconds };
  console.log(`[bench] ${recipe}, run ${run}/${RUNS}: ${describeLoad(load)}; rollout ${observed.seconds} s`);
  return row;
}

async function main(): Promise<void> {
  await removeSuiteContainers('orphaned');
  const cluster = await new ContainerCluster().withImages(SYSTEM_IMAGES).withNodePorts(...SYSTEM_NODE_PORTS).withOverlay(TEST_OVERLAY, NAMESPACE).start();
  const results: RunResult[] = [];
  try {
    await holdHpa(cluster);
    for (let run = 1; run <= RUNS; run++) {
      // With the recipe: a new version rolls over pods that drain.
      const withDrain = await underLoad(cluster, `with-drain-${run}`, async () => {
        await updatePodTemplate(cluster.clients, NAMESPACE, GATEWAY, withVersion(`0.2.${run}`));
        await waitForRollout(cluster.clients, NAMESPACE, GATEWAY, ROLLOUT_TIMEOUT_MS);
      });
      results.push(result('with drain', run, withDrain));
      // Without: the pods that stop during a rollout are the old ones, so deploy no-drain pods first, then roll
      // under load to the test overlay.
      await applyAndSettle(cluster, 'manifests/overlays/no-drain');
      const withoutDrain = await underLoad(cluster, `without-drain-${run}`, () => applyAndSettle(cluster, TEST_OVERLAY));
      results.push(result('without drain', run, withoutDrain));
    }
  } finally {
    await cluster.stop();
  }

  const measuredAt = new Date().toISOString();
  const out = join(repoRoot, 'bench', 'results');
  writeFileSync(join(out, 'no-drain.json'), `${JSON.stringify({ measuredAt, runs: RUNS, load: LOAD, results }, null, 2)}\n`);
  const total = (recipe: RunResult['recipe']) => {
    const rows = results.filter((r) => r.recipe === recipe);
    return `${rows.reduce((sum, r) => sum + r.failed, 0)} failed of ${rows.reduce((sum, r) => sum + r.sent, 0)} (per run: ${rows.map((r) => r.failed).join(', ')})`;
  };
  writeFileSync(
    join(out, 'no-drain.md'),
    [
      `# Rolling update with and without the drain recipe (${measuredAt})`,
      '',
      `api-gateway rollout (2 replicas, maxSurge 1, maxUnavailable 0) under ${LOAD.rate} req/s over ${LOAD.connections} connections, each reconnecting every ${LOAD.reconnectEvery} requests; at least ${LOAD.minRequests} requests per rollout.`,
      '',
      '| recipe | run | requests | failed | rollout (s) | error samples |',
      '| --- | --- | --- | --- | --- | --- |',
      ...results.map((r) => `| ${r.recipe} | ${r.run} | ${r.sent} | ${r.failed} | ${r.rolloutSeconds} | ${r.errorSamples.join('; ')} |`),
      '',
      `- with drain: ${total('with drain')}`,
      `- without drain: ${total('without drain')}`,
      '',
    ].join('\n'),
  );
  console.log(`[bench] with drain: ${total('with drain')}; without drain: ${total('without drain')}`);
  console.log(`[bench] results in ${join(out, 'no-drain.md')}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
