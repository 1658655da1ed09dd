import type { V1Deployment } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { recordWorkload } from '../harness/evidence/record-workload.js';
import { Timeline } from '../harness/evidence/timeline.js';
import { writeEvidence } from '../harness/evidence/write-evidence.js';
import { containerProbes, failureWindowMs } from '../harness/kube/probe-window.js';
import { restoreDeployedSystem } from '../harness/kube/restore.js';
import { rollBack, updatePodTemplate, waitForRollout, withEnv, withVersion } from '../harness/kube/rollout.js';
import { setHpaBounds } from '../harness/kube/scale.js';
import { deploymentCounts, podReady } from '../harness/kube/workload-state.js';
import { describeLoad, startLoad, type LoadSummary } from '../harness/load/constant-load.js';
import { infoOnNewConnection } from '../harness/load/distinct-pods.js';
import { describeNamespaceOnFailure } from '../harness/on-failure.js';
import { NAMESPACE, TEST_OVERLAY } from '../harness/system.js';
import { useCluster } from '../harness/use-cluster.js';

// Rolling updates of the api-gateway under continuous load through its NodePort. The Deployment promises
// maxUnavailable 0 / maxSurge 1 / minReadySeconds 5, and every pod drains before it stops (preStop sleep, then the
// app fails readiness and keeps serving SHUTDOWN_DRAIN_SECONDS): no request may fail while versions change.
const SCENARIO = 'rolling-update';
const GATEWAY = 'api-gateway';
const POD_SELECTOR = 'app.kubernetes.io/name=api-gateway';
const RATE = 500; // requests per second, across CONNECTIONS keep-alive connections
const CONNECTIONS = 16;
const RECONNECT_EVERY = 20; // requests per connection: connections keep moving between pods, as real clients do
const MIN_REQUESTS = 10_000;
const ROLLOUT_TIMEOUT_MS = 150_000;
const BROKEN = '0.3.0-broken';

interface Observed {
  load: LoadSummary;
  minReady: { ready: number; desired: number } | undefined;
  seconds: number;
}

describe('rolling update: the api-gateway changes version under load', () => {
  const cluster = useCluster();
  const { clients } = cluster;
  const explain = () => cluster.describe(NAMESPACE);
  const figures: Record<string, string> = {};
  let gatewayUrl: string;

  /** Which versions answer /api/info, each call on a new connection (so the Service picks a pod each time). */
  const versionsServing = async (samples = 12): Promise<string[]> => {
    const versions = new Set<string>();
    for (let i = 0; i < samples; i += 1) versions.add((await infoOnNewConnection(gatewayUrl)).version);
    return [...versions];
  };

  const rollOut = async (change: Parameters<typeof updatePodTemplate>[3]): Promise<void> => {
    await updatePodTemplate(clients, NAMESPACE, GATEWAY, change);
    await waitForRollout(clients, NAMESPACE, GATEWAY, ROLLOUT_TIMEOUT_MS, explain);
  };

  /**
   * Starts load and the recording, runs `action` (a change and the wait for its outcome), and keeps the load on
   * until at least `minRequests` were sent. Evidence in artifacts/rolling-update/<name>.{json,svg}.
   */
  async function underLoad(name: string, minRequests: number, action: (timeline: Timeline) => Promise<unknown>): Promise<Observed> {
    const timeline = new Timeline(SCENARIO, name);
    const recording = recordWorkload(clients, timeline, { namespace: NAMESPACE, deployment: GATEWAY, service: GATEWAY, podSelector: POD_SELECTOR });
    const load = startLoad({ url: `${gatewayUrl}/api/info`, rate: RATE, connections: CONNECTIONS, maxSeconds: 240, reconnectEvery: RECONNECT_EVERY, timeline });
    try {
      // Some steady traffic first, so the chart shows the baseline.
      await vi.waitFor(() => expect(load.summary().sent).toBeGreaterThan(RATE * 2), { timeout: 30_000, interval: 250 });
      timeline.mark(name);
      const started = Date.now();
      await action(timeline);
      const seconds = Math.round((Date.now() - started) / 100) / 10;
      timeline.mark('settled');
      timeline.figure('actionSeconds', seconds);
      await vi.waitFor(() => expect(load.summary().sent).toBeGreaterThanOrEqual(minRequests), { timeout: 120_000, interval: 500 });
      const summary = await load.stop();
      timeline.figure('requests', summary.sent);
      timeline.figure('failures', summary.non2xx + summary.errors);
      return { load: summary, minReady: recording.minReady(), seconds };
    } finally {
      await load.stop();
      recording.stop();
      console.log(`[${SCENARIO}] ${name}: evidence in ${writeEvidence(timeline).svg}`);
    }
  }

  /**
   * The gateway's HPA is held at its floor here (maxReplicas = minReplicas): the load would otherwise make it scale
   * out mid-rollout, and the rollout would not be the only thing changing pods. Autoscaling is hpa.test.ts' subject.
   */
  const holdHpa = async (): Promise<void> => {
    const hpa = await clients.autoscaling.readNamespacedHorizontalPodAutoscaler({ name: GATEWAY, namespace: NAMESPACE });
    await setHpaBounds(clients, NAMESPACE, GATEWAY, { max: hpa.spec?.minReplicas ?? 2 });
  };

  beforeAll(async () => {
    gatewayUrl = await cluster.serviceUrl(GATEWAY, NAMESPACE);
    await holdHpa();
    await waitForRollout(clients, NAMESPACE, GATEWAY, 60_000, explain);
  });

  afterAll(async () => {
    // A run stopped between the broken version and the rollback would leave a template the manifests cannot be
    // applied over (a literal REDIS_URL where they set valueFrom): roll back first.
    const live = await clients.apps.readNamespacedDeployment({ name: GATEWAY, namespace: NAMESPACE });
    if (live.spec?.template.metadata?.labels?.['app.kubernetes.io/version'] === BROKEN) await rollBack(clients, NAMESPACE, GATEWAY);
    await restoreDeployedSystem(cluster);
    console.log(`[${SCENARIO}] figures:\n${Object.entries(figures).map(([key, value]) => `  ${key}: ${value}`).join('\n')}`);
  });

  describeNamespaceOnFailure(cluster, NAMESPACE);

  describe('a new version, with the drain recipe of the test overlay', () => {
    let observed: Observed;

    beforeAll(async () => {
      observed = await underLoad('rollout-with-drain', MIN_REQUESTS, () => rollOut(withVersion('0.2.0')));
      figures.withDrain = `${describeLoad(observed.load)}; rollout ${observed.seconds} s`;
    });

    it(`fails no request over at least ${MIN_REQUESTS} requests: 0 non-2xx, 0 socket errors`, () => {
      expect(observed.load.sent, 'requests sent during the rollout').toBeGreaterThanOrEqual(MIN_REQUESTS);
      expect(observed.load.non2xx + observed.load.errors, `a rolling update must not fail a request: ${describeLoad(observed.load)}`).toBe(0);
    });

    it('never has fewer ready replicas than desired (maxUnavailable 0, from a Deployment watch)', () => {
      expect(observed.minReady, 'the Deployment watch saw the rollout').toBeDefined();
      expect(observed.minReady!.ready, `ready replicas dropped to ${observed.minReady!.ready} of ${observed.minReady!.desired} desired`).toBeGreaterThanOrEqual(
        observed.minReady!.desired,
      );
    });

    it('serves the new version at the end', async () => {
      expect(await versionsServing()).toEqual(['0.2.0']);
    });
  });

  describe('a broken version (its readiness never passes), then the rollback', () => {
    let observed: Observed;
    let stalled: V1Deployment;
    let brokenPodReady: boolean;

    beforeAll(async () => {
      const probes = containerProbes(await clients.apps.readNamespacedDeployment({ name: GATEWAY, namespace: NAMESPACE }), GATEWAY);
      observed = await underLoad('broken-version-then-rollback', 4_000, async (timeline) => {
        // The broken version points the gateway at a Redis Service that does not exist: it starts (liveness
        // passes) but its readiness PING never succeeds. With maxUnavailable 0 no old pod may go meanwhile.
        await updatePodTemplate(clients, NAMESPACE, GATEWAY, (template) => withEnv(GATEWAY, 'REDIS_URL', 'redis://redis-does-not-exist:6379')(withVersion(BROKEN)(template)));
        // Stalled: the new pod has been running for longer than its readiness window and is still not ready.
        await vi.waitFor(
          async () => {
            const [pod] = (await clients.core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: `${POD_SELECTOR},app.kubernetes.io/version=${BROKEN}` })).items;
            const startedAt = pod?.status?.containerStatuses?.[0]?.state?.running?.startedAt;
            expect(startedAt, 'the broken pod is running').toBeDefined();
            expect(Date.now() - new Date(startedAt!).getTime()).toBeGreaterThan(failureWindowMs(probes.readiness) + 2_000);
            brokenPodReady = podReady(pod!);
          },
          { timeout: 90_000, interval: 1_000 },
        );
        stalled = await clients.apps.readNamespacedDeployment({ name: GATEWAY, namespace: NAMESPACE });
        timeline.mark('stalled; rolling back');
        await rollBack(clients, NAMESPACE, GATEWAY);
        await waitForRollout(clients, NAMESPACE, GATEWAY, ROLLOUT_TIMEOUT_MS, explain);
      });
      figures.brokenThenRollback = `${describeLoad(observed.load)}; min ready ${observed.minReady?.ready}/${observed.minReady?.desired}`;
    });

    it('stalls: the broken pod never becomes ready and every old replica stays ready', () => {
      const counts = deploymentCounts(stalled);
      expect(brokenPodReady, 'the broken version became ready').toBe(false);
      expect(counts.updated, 'pods of the broken version (maxSurge 1)').toBe(1);
      expect(counts.ready, `ready replicas while the broken version was stuck: ${counts.ready} of ${counts.desired}`).toBeGreaterThanOrEqual(counts.desired);
      expect(observed.minReady!.ready, 'ready replicas never dropped below desired').toBeGreaterThanOrEqual(observed.minReady!.desired);
    });

    it('rolls back (as `kubectl rollout undo`) to the previous version, with no failed request throughout', async () => {
      expect(observed.load.non2xx + observed.load.errors, `the stalled rollout and the rollback must not fail a request: ${describeLoad(observed.load)}`).toBe(0);
      expect(await versionsServing()).toEqual(['0.2.0']);
    });
  });

  describe('control experiment: a rollout whose old pods have no drain (manifests/overlays/no-drain)', () => {
    it('records what the drain prevents (figures printed, not asserted)', async () => {
      // The pods that stop during a rollout are the old ones: run no-drain pods first, then roll under load to the
      // test overlay (which also hands the system back as deployed).
      await cluster.apply('manifests/overlays/no-drain');
      await holdHpa();
      await waitForRollout(clients, NAMESPACE, GATEWAY, ROLLOUT_TIMEOUT_MS, explain);
      const observed = await underLoad('rollout-without-drain', MIN_REQUESTS, async () => {
        await cluster.apply(TEST_OVERLAY);
        await holdHpa();
        await waitForRollout(clients, NAMESPACE, GATEWAY, ROLLOUT_TIMEOUT_MS, explain);
      });
      figures.withoutDrain = `${describeLoad(observed.load)}; rollout ${observed.seconds} s`;
      console.log(`[${SCENARIO}] without drain: ${figures.withoutDrain}`);
      expect(observed.load.sent).toBeGreaterThanOrEqual(MIN_REQUESTS);
    });
  });
});
