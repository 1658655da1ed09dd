import type { V1Deployment } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Timeline } from '../harness/evidence/timeline.js';
import { containerProbes, failureWindowMs } from '../harness/kube/probe-window.js';
import { rollBack, updatePodTemplate, waitForRollout, withEnv, withVersion } from '../harness/kube/rollout.js';
import { setHpaBounds } from '../harness/kube/scale.js';
import { deploymentCounts, podReady } from '../harness/kube/workload-state.js';
import { describeLoad } from '../harness/load/constant-load.js';
import { observeUnderLoad, type Observed } from '../harness/load/under-load.js';
import { infoOnNewConnection } from '../harness/load/distinct-pods.js';
import { describeNamespaceOnFailure } from '../harness/on-failure.js';
import { useSystem } from '../harness/scenario-system.js';
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

describe('rolling update: the api-gateway changes version under load', () => {
  const cluster = useCluster();
  const { namespace } = useSystem(cluster, SCENARIO);
  const { clients } = cluster;
  const explain = () => cluster.describe(namespace);
  const figures: Record<string, string> = {};
  let gatewayUrl: string;

  /** Which versions answer /api/info, each call on a new connection (so the Service picks a pod each time). */
  const versionsServing = async (samples = 12): Promise<string[]> => {
    const versions = new Set<string>();
    for (let i = 0; i < samples; i += 1) versions.add((await infoOnNewConnection(gatewayUrl)).version);
    return [...versions];
  };

  const rollOut = async (change: Parameters<typeof updatePodTemplate>[3]): Promise<void> => {
    await updatePodTemplate(clients, namespace, GATEWAY, change);
    await waitForRollout(clients, namespace, GATEWAY, ROLLOUT_TIMEOUT_MS, explain);
  };

  /** `action` under constant load through the gateway's NodePort; evidence in artifacts/rolling-update/<name>.{json,svg}. */
  const underLoad = (name: string, minRequests: number, action: (timeline: Timeline) => Promise<unknown>): Promise<Observed> =>
    observeUnderLoad({
      clients,
      scenario: SCENARIO,
      name,
      url: `${gatewayUrl}/api/info`,
      workload: { namespace, deployment: GATEWAY, service: GATEWAY, podSelector: POD_SELECTOR },
      rate: RATE,
      connections: CONNECTIONS,
      reconnectEvery: RECONNECT_EVERY,
      minRequests,
      action,
    });

  /**
   * The gateway's HPA is held at its floor here (maxReplicas = minReplicas): the load would otherwise make it scale
   * out mid-rollout, and the rollout would not be the only thing changing pods. Autoscaling is hpa.test.ts' subject.
   */
  const holdHpa = async (): Promise<void> => {
    const hpa = await clients.autoscaling.readNamespacedHorizontalPodAutoscaler({ name: GATEWAY, namespace });
    await setHpaBounds(clients, namespace, GATEWAY, { max: hpa.spec?.minReplicas ?? 2 });
  };

  beforeAll(async () => {
    gatewayUrl = await cluster.serviceUrl(GATEWAY, namespace);
    await holdHpa();
    await waitForRollout(clients, namespace, GATEWAY, 60_000, explain);
  });

  afterAll(() => {
    console.log(`[${SCENARIO}] figures:\n${Object.entries(figures).map(([key, value]) => `  ${key}: ${value}`).join('\n')}`);
  });

  describeNamespaceOnFailure(cluster, namespace);

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
      const probes = containerProbes(await clients.apps.readNamespacedDeployment({ name: GATEWAY, namespace }), GATEWAY);
      observed = await underLoad('broken-version-then-rollback', 4_000, async (timeline) => {
        // The broken version points the gateway at a Redis Service that does not exist: it starts (liveness
        // passes) but its readiness PING never succeeds. With maxUnavailable 0 no old pod may go meanwhile.
        await updatePodTemplate(clients, namespace, GATEWAY, (template) => withEnv(GATEWAY, 'REDIS_URL', 'redis://redis-does-not-exist:6379')(withVersion(BROKEN)(template)));
        // Stalled: the new pod has been running for longer than its readiness window and is still not ready.
        await vi.waitFor(
          async () => {
            const [pod] = (await clients.core.listNamespacedPod({ namespace, labelSelector: `${POD_SELECTOR},app.kubernetes.io/version=${BROKEN}` })).items;
            const startedAt = pod?.status?.containerStatuses?.[0]?.state?.running?.startedAt;
            expect(startedAt, 'the broken pod is running').toBeDefined();
            expect(Date.now() - new Date(startedAt!).getTime()).toBeGreaterThan(failureWindowMs(probes.readiness) + 2_000);
            brokenPodReady = podReady(pod!);
          },
          { timeout: 90_000, interval: 1_000 },
        );
        stalled = await clients.apps.readNamespacedDeployment({ name: GATEWAY, namespace });
        timeline.mark('stalled; rolling back');
        await rollBack(clients, namespace, GATEWAY);
        await waitForRollout(clients, namespace, GATEWAY, ROLLOUT_TIMEOUT_MS, explain);
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
});
