import type { V1Deployment } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { containerProbes, failureWindowMs } from '../harness/kube/probe-window.js';
import { rollBack, updatePodTemplate, waitForRollout, withEnv, withVersion } from '../harness/kube/rollout.js';
import { setHpaBounds } from '../harness/kube/scale.js';
import { deploymentCounts, podReady } from '../harness/kube/workload-state.js';
import { describeLoad } from '../harness/load/constant-load.js';
import { infoOnNewConnection } from '../harness/load/distinct-pods.js';
import { startPersistentLoad, type PersistentLoadSummary } from '../harness/load/persistent-load.js';
import type { LoadPlan } from '../harness/phase/run-phase.js';
import { useScenario } from '../harness/scenario.js';
import { seconds } from '../harness/seconds.js';
import { GATEWAY, gatewayWorkload } from '../harness/system.js';

// Rolling updates of the api-gateway under continuous load through its NodePort. The Deployment promises
// maxUnavailable 0 / maxSurge 1 / minReadySeconds 5, and every pod drains before it stops (preStop sleep, then the
// app fails readiness and keeps serving SHUTDOWN_DRAIN_SECONDS): no request may fail while versions change.
const RATE = 500; // requests per second, across CONNECTIONS keep-alive connections
const CONNECTIONS = 16;
const RECONNECT_EVERY = 20; // requests per connection: connections keep moving between pods, as real clients do
const MIN_REQUESTS = 10_000;
/** Beside it, a client that keeps its connections and sends at full speed, as a proxy's upstream pool does. */
const KEEP_ALIVE_CONNECTIONS = 4;
/** What it sends depends on how fast the pods answer (~150 req/s here beside the other client, CPU-limited pods). */
const KEEP_ALIVE_MIN_REQUESTS = 2_000;
const ROLLOUT_TIMEOUT_MS = 150_000;
const BROKEN = '0.3.0-broken';

describe('rolling update: the api-gateway changes version under load', () => {
  const { clients, namespace, url, diagnostics, phase } = useScenario('rolling-update');
  const gateway = gatewayWorkload(namespace);

  /** Constant load through the gateway's NodePort, kept on until `atLeast` requests were sent. */
  const gatewayLoad = async (atLeast: number): Promise<LoadPlan> => ({ url: `${await url(GATEWAY)}/api/info`, rate: RATE, connections: CONNECTIONS, reconnectEvery: RECONNECT_EVERY, atLeast });

  /** Which versions answer /api/info, each call on a new connection (so the Service picks a pod each time). */
  const versionsServing = async (samples = 12): Promise<string[]> => {
    const gatewayUrl = await url(GATEWAY);
    const versions = new Set<string>();
    for (let i = 0; i < samples; i += 1) versions.add((await infoOnNewConnection(gatewayUrl)).version);
    return [...versions];
  };

  /**
   * The gateway's HPA is held at its floor here (maxReplicas = minReplicas): the load would otherwise make it scale
   * out mid-rollout, and the rollout would not be the only thing changing pods. Autoscaling is hpa.test.ts' subject.
   */
  beforeAll(async () => {
    const hpa = await clients.autoscaling.readNamespacedHorizontalPodAutoscaler({ name: GATEWAY, namespace });
    await setHpaBounds(clients, namespace, GATEWAY, { max: hpa.spec?.minReplicas ?? 2 });
    await waitForRollout(clients, namespace, GATEWAY, 60_000, diagnostics);
  });

  describe('a new version, with the drain recipe of the test overlay', () => {
    const rollout = phase<{ keepAlive: PersistentLoadSummary }>('rollout-with-drain', {}, async ({ step, record, load, figure, results, timeline, onTeardown }) => {
      record(gateway);
      await load(await gatewayLoad(MIN_REQUESTS));
      const keepAlive = startPersistentLoad({ url: `${await url(GATEWAY)}/api/info`, connections: KEEP_ALIVE_CONNECTIONS, maxSeconds: 240, timeline });
      onTeardown('stop the keep-alive client', async () => {
        results.keepAlive = await keepAlive.stop();
        figure('keepAliveLoad', `${describeLoad(results.keepAlive)}; ${results.keepAlive.connectionsOpened} connections opened`);
      });
      const started = Date.now();
      await step('version 0.2.0 rolled out', async () => {
        await updatePodTemplate(clients, namespace, GATEWAY, withVersion('0.2.0'));
        await waitForRollout(clients, namespace, GATEWAY, ROLLOUT_TIMEOUT_MS, diagnostics);
      });
      figure('rolloutSeconds', seconds(Date.now() - started));
      // The last old pod is still shutting down (preStop, drain): both clients stay on until it has exited.
      await step('the last old pod has exited', () =>
        vi.waitFor(async () => {
          const pods = (await clients.core.listNamespacedPod({ namespace, labelSelector: gateway.podSelector })).items;
          expect(pods.map((pod) => pod.metadata?.labels?.['app.kubernetes.io/version'])).toEqual(pods.map(() => '0.2.0'));
        }, { timeout: 60_000, interval: 500 }),
      );
    });

    it(`fails no request over at least ${MIN_REQUESTS} requests: 0 non-2xx, 0 socket errors`, () => {
      const load = rollout.result('load');
      expect(load.sent, 'requests sent during the rollout').toBeGreaterThanOrEqual(MIN_REQUESTS);
      expect(load.non2xx + load.errors, `a rolling update must not fail a request: ${describeLoad(load)}`).toBe(0);
    });

    it(`fails no request of a client that keeps ${KEEP_ALIVE_CONNECTIONS} connections at full speed: 0 resets as old pods close`, () => {
      const keepAlive = rollout.result('keepAlive');
      expect(keepAlive.sent, 'requests of the keep-alive client').toBeGreaterThanOrEqual(KEEP_ALIVE_MIN_REQUESTS);
      expect(keepAlive.connectionsOpened, 'it moved to new connections as old pods closed theirs').toBeGreaterThan(KEEP_ALIVE_CONNECTIONS);
      expect(keepAlive.non2xx + keepAlive.errors, `a pod that shuts down must let kept connections go first: ${describeLoad(keepAlive)}`).toBe(0);
    });

    it('never has fewer ready replicas than desired (maxUnavailable 0, from a Deployment watch)', () => {
      const { ready, desired } = rollout.result('minReady');
      expect(ready, `ready replicas dropped to ${ready} of ${desired} desired`).toBeGreaterThanOrEqual(desired);
    });

    it('serves the new version at the end', async () => {
      expect(await versionsServing()).toEqual(['0.2.0']);
    });
  });

  describe('a broken version (its readiness never passes), then the rollback', () => {
    const broken = phase<{ stalled: V1Deployment; brokenPodReady: boolean }>('broken-version-then-rollback', {}, async ({ step, record, load, results }) => {
      const probes = containerProbes(await step('read the gateway Deployment', () => clients.apps.readNamespacedDeployment({ name: GATEWAY, namespace })), GATEWAY);
      record(gateway);
      await load(await gatewayLoad(4_000));
      // The broken version points the gateway at a Redis Service that does not exist: it starts (liveness passes)
      // but its readiness PING never succeeds. With maxUnavailable 0 no old pod may go meanwhile.
      await step(`roll out ${BROKEN}`, () => updatePodTemplate(clients, namespace, GATEWAY, (template) => withEnv(GATEWAY, 'REDIS_URL', 'redis://redis-does-not-exist:6379')(withVersion(BROKEN)(template))));
      // Stalled: the new pod has been running for longer than its readiness window and is still not ready.
      results.brokenPodReady = await step('the broken pod runs past its readiness window', () =>
        vi.waitFor(async () => {
          const [pod] = (await clients.core.listNamespacedPod({ namespace, labelSelector: `${gateway.podSelector},app.kubernetes.io/version=${BROKEN}` })).items;
          const startedAt = pod?.status?.containerStatuses?.[0]?.state?.running?.startedAt;
          expect(startedAt, 'the broken pod is running').toBeDefined();
          expect(Date.now() - new Date(startedAt!).getTime()).toBeGreaterThan(failureWindowMs(probes.readiness) + 2_000);
          return podReady(pod!);
        }, { timeout: 90_000, interval: 1_000 }),
      );
      results.stalled = await step('read the stalled Deployment', () => clients.apps.readNamespacedDeployment({ name: GATEWAY, namespace }));
      await step('rolled back (as `kubectl rollout undo`)', async () => {
        await rollBack(clients, namespace, GATEWAY);
        await waitForRollout(clients, namespace, GATEWAY, ROLLOUT_TIMEOUT_MS, diagnostics);
      });
    });

    it('stalls: the broken pod never becomes ready and every old replica stays ready', () => {
      const counts = deploymentCounts(broken.result('stalled'));
      const minReady = broken.result('minReady');
      expect(broken.result('brokenPodReady'), 'the broken version became ready').toBe(false);
      expect(counts.updated, 'pods of the broken version (maxSurge 1)').toBe(1);
      expect(counts.ready, `ready replicas while the broken version was stuck: ${counts.ready} of ${counts.desired}`).toBeGreaterThanOrEqual(counts.desired);
      expect(minReady.ready, 'ready replicas never dropped below desired').toBeGreaterThanOrEqual(minReady.desired);
    });

    it('rolls back (as `kubectl rollout undo`) to the previous version, with no failed request throughout', async () => {
      const load = broken.result('load');
      expect(load.non2xx + load.errors, `the stalled rollout and the rollback must not fail a request: ${describeLoad(load)}`).toBe(0);
      expect(await versionsServing()).toEqual(['0.2.0']);
    });
  });
});
