import type { V1Pod } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import { StatusResponseSchema } from '../contracts/api-gateway.js';
import { cutServiceOff } from '../harness/kube/cut-service.js';
import { setGatewayProbe } from '../harness/kube/gateway-toggles.js';
import { containerProbes, failureWindowMs } from '../harness/kube/probe-window.js';
import { redisCli } from '../harness/kube/redis-admin.js';
import { waitForRollout } from '../harness/kube/rollout.js';
import { scaleDeployment, setHpaBounds } from '../harness/kube/scale.js';
import { waitForEndpoints, waitForPods } from '../harness/kube/wait-for.js';
import { podReady, restartCount } from '../harness/kube/workload-state.js';
import { livePods } from '../harness/kube/workload.js';
import { httpGet } from '../harness/http-get.js';
import { describeLoad } from '../harness/load/constant-load.js';
import { useScenario } from '../harness/scenario.js';
import { seconds } from '../harness/seconds.js';
import { GATEWAY, gatewayWorkload } from '../harness/system.js';

// What the probes promise, checked on the live cluster: the Service stops routing to a pod whose readiness fails
// (without restarting it), the kubelet restarts a container whose liveness fails, a Redis outage takes pods out of
// rotation but never restarts them, and a new pod gets no traffic before it is ready.
/** Margin on top of a probe's own window: the watch, the EndpointSlice controller, a loaded 2-core node. */
const SLACK_MS = 8_000;
const REDIS_OUTAGE_MS = 30_000;
const REDIS_RECOVERY_BUDGET_MS = 10_000;
const GATEWAY_AND_WORKER = 'app.kubernetes.io/name in (api-gateway,worker)';
const podName = (pod: V1Pod): string => pod.metadata!.name!;

describe('probes: the Service and the kubelet act on what the pods report', () => {
  const { clients, namespace, url, diagnostics, phase } = useScenario('probes');
  const gateway = gatewayWorkload(namespace);
  const endpoints = { namespace, service: GATEWAY };

  const gatewayProbes = async () => containerProbes(await clients.apps.readNamespacedDeployment({ name: GATEWAY, namespace }), GATEWAY);
  const readyGatewayPod = async (): Promise<string> => {
    const pod = (await livePods(clients, gateway)).find(podReady);
    if (!pod) throw new Error('no ready gateway pod');
    return podName(pod);
  };
  const restartsOf = async (pod: string): Promise<number> => restartCount([await clients.core.readNamespacedPod({ name: pod, namespace })]);
  const gatewayAndWorker = async (): Promise<V1Pod[]> => (await clients.core.listNamespacedPod({ namespace, labelSelector: GATEWAY_AND_WORKER })).items;
  const workerTotals = async (): Promise<number | undefined> => {
    const status = StatusResponseSchema.parse(await (await fetch(`${await url(GATEWAY)}/api/status`)).json());
    return status.worker ? status.worker.totals.success + status.worker.totals.failed : undefined;
  };
  // Retried: a pooled keep-alive connection may be dead (a gateway container was restarted, Redis was cut off).
  const readWorkerTotals = (): Promise<number> =>
    vi.waitFor(async () => (await workerTotals()) ?? Promise.reject(new Error('no worker totals yet')), { timeout: 20_000, interval: 500 });

  /**
   * Waits until the gateway answers through its NodePort on new connections, 10 in a row. Its endpoints being ready
   * is not enough: kube-proxy on the node may still reject for a moment after a Service had none (seen as one
   * ECONNRESET right after the Redis outage, two files sharing the node). Returns how long that took.
   */
  const untilGatewayServes = async (): Promise<number> => {
    const started = Date.now();
    const gatewayUrl = await url(GATEWAY);
    await vi.waitFor(async () => {
      for (let i = 0; i < 10; i += 1) expect((await httpGet(`${gatewayUrl}/api/info`)).status).toBe(200);
    }, { timeout: 30_000, interval: 500 });
    return Date.now() - started;
  };

  describe('readiness: a pod that reports not ready leaves the Service and comes back', () => {
    const readiness = phase<{ windowMs: number; periodMs: number; pod: string; restartsBefore: number; leftAfterMs: number; backAfterMs: number }>(
      'readiness',
      {},
      async ({ step, record, results, figure, onTeardown }) => {
        const probes = await step('read the gateway probes', gatewayProbes);
        const windowMs = (results.windowMs = failureWindowMs(probes.readiness));
        results.periodMs = (probes.readiness.periodSeconds ?? 10) * 1000;
        const pod = (results.pod = await step('choose a ready gateway pod', readyGatewayPod));
        results.restartsBefore = await step(`count the restarts of ${pod}`, () => restartsOf(pod));
        onTeardown(`readiness enabled in ${pod}`, () => setGatewayProbe(clients, { namespace, pod }, 'readiness', true)); // never left unready
        record(gateway);
        const disabledAt = Date.now();
        await step(`disable readiness in ${pod}`, () => setGatewayProbe(clients, { namespace, pod }, 'readiness', false));
        await step(`${pod} leaves the endpoints`, () => waitForEndpoints(clients, endpoints, `${pod} not ready`, (ready) => !ready.includes(pod), windowMs + 30_000));
        results.leftAfterMs = Date.now() - disabledAt;
        figure('leftSeconds', seconds(results.leftAfterMs));
        const enabledAt = Date.now();
        await step(`enable readiness in ${pod}`, () => setGatewayProbe(clients, { namespace, pod }, 'readiness', true));
        await step(`${pod} is back in the endpoints`, () => waitForEndpoints(clients, endpoints, `${pod} ready again`, (ready) => ready.includes(pod), 60_000));
        results.backAfterMs = Date.now() - enabledAt;
        figure('backSeconds', seconds(results.backAfterMs));
      },
    );

    it('leaves the EndpointSlice within periodSeconds x failureThreshold (from the Deployment) plus slack', () => {
      const [leftAfterMs, windowMs] = [readiness.result('leftAfterMs'), readiness.result('windowMs')];
      expect(leftAfterMs, `the pod left the endpoints ${seconds(leftAfterMs)} s after its readiness failed; the probe allows ${seconds(windowMs)} s + ${seconds(SLACK_MS)} s slack`).toBeLessThanOrEqual(windowMs + SLACK_MS);
    });

    it('is not restarted for it (readiness never kills)', async () => {
      const pod = readiness.result('pod');
      expect(await restartsOf(pod), `${pod} was restarted although only its readiness failed`).toBe(readiness.result('restartsBefore'));
    });

    it('comes back once the cause is removed, within one readiness period plus slack', () => {
      const backAfterMs = readiness.result('backAfterMs');
      expect(backAfterMs, `the pod came back ${seconds(backAfterMs)} s after its readiness recovered`).toBeLessThanOrEqual(readiness.result('periodMs') + SLACK_MS);
    });
  });

  describe('liveness: a container whose liveness fails is restarted while the others keep serving', () => {
    const liveness = phase<{ windowMs: number; restartedAfterMs: number }>('liveness', {}, async ({ step, record, load, results, figure, onTeardown }) => {
      const windowMs = (results.windowMs = failureWindowMs((await step('read the gateway probes', gatewayProbes)).liveness));
      const pod = await step('choose a ready gateway pod', readyGatewayPod);
      const restartsBefore = await step(`count the restarts of ${pod}`, () => restartsOf(pod));
      record(gateway);
      await load({ url: `${await url(GATEWAY)}/api/info`, rate: 50, connections: 4, maxSeconds: 120, reconnectEvery: 10, baseline: 0 });
      // A hung process fails both probes (a stuck event loop answers neither): readiness takes it out of the Service,
      // liveness gets it restarted. Liveness alone would leave it in the endpoints until its shutdown fails readiness,
      // and requests racing the kill can be reset; with both toggles, what is asserted is that the other pods keep
      // serving while this one is restarted.
      onTeardown(`probes enabled in ${pod}`, async () => {
        await setGatewayProbe(clients, { namespace, pod }, 'liveness', true); // a no-op once the restart reset them
        await setGatewayProbe(clients, { namespace, pod }, 'readiness', true);
      });
      const disabledAt = Date.now();
      await step(`disable liveness and readiness in ${pod}`, async () => {
        await setGatewayProbe(clients, { namespace, pod }, 'liveness', false);
        await setGatewayProbe(clients, { namespace, pod }, 'readiness', false);
      });
      const restarted = (pods: V1Pod[]) => pods.some((item) => podName(item) === pod && restartCount([item]) > restartsBefore);
      await step(`${pod} is restarted`, () => waitForPods(clients, { namespace, labelSelector: gateway.podSelector }, `${pod} restarted`, restarted, windowMs + 45_000, diagnostics));
      results.restartedAfterMs = Date.now() - disabledAt;
      figure('restartSeconds', seconds(results.restartedAfterMs));
      // The restarted container starts with both probes enabled again.
      await step(`${pod} is ready again`, () => waitForEndpoints(clients, endpoints, `${pod} ready after its restart`, (ready) => ready.includes(pod), 60_000));
    });

    it('restarts the container within (liveness period x failureThreshold) plus slack', () => {
      const [restartedAfterMs, windowMs] = [liveness.result('restartedAfterMs'), liveness.result('windowMs')];
      expect(restartedAfterMs, `restart came ${seconds(restartedAfterMs)} s after liveness began failing; the probe allows ${seconds(windowMs)} s + slack`).toBeLessThanOrEqual(windowMs + SLACK_MS);
    });

    it('keeps serving through the NodePort meanwhile: every request succeeds', () => {
      const load = liveness.result('load');
      expect(load.sent, 'requests sent while the container was failing').toBeGreaterThan(100);
      expect(load.non2xx + load.errors, `requests failed while one pod was being restarted: ${describeLoad(load)}`).toBe(0);
    });
  });

  describe('Redis outage: gateway and worker leave rotation, are never restarted, and lose no counted work', () => {
    // Redis keeps its data on an emptyDir (manifests/base/redis): a new pod starts with an empty /data, so scaling
    // Redis to 0 and back would lose the counters by design, and "no increment lost" could not be shown that way.
    // So the outage is a network cut that keeps the Redis pod and its data: the redis Service's selector is pointed
    // at a label no pod has (its endpoints empty), and Redis
    // closes the clients' open connections (kube-proxy would keep established flows). For ~30 s. Then the selector
    // is put back.
    interface Outage { windowMs: number; restartsBefore: number; restartsDuring: number; totalsBefore: number; totalsAfter: number; notReadyAfterMs: number; recoveredAfterMs: number }
    const outage = phase<Outage>('redis-outage', {}, async ({ step, record, load, results, figure, onTeardown }) => {
      const windowMs = (results.windowMs = failureWindowMs((await step('read the gateway probes', gatewayProbes)).readiness));
      const restartsBefore = (results.restartsBefore = await step('count the restarts of gateway and worker', async () => restartCount(await gatewayAndWorker())));
      results.totalsBefore = await step("read the worker's totals", readWorkerTotals);
      record(gateway);
      await load({ url: `${await url(GATEWAY)}/api/info`, rate: 20, connections: 2, maxSeconds: 150, baseline: 0 });
      const cutAt = Date.now();
      const restore = await step('cut the redis Service off', () => cutServiceOff(clients, namespace, 'redis'));
      onTeardown('redis Service restored', restore);
      await step('the redis Service has no endpoints', () => waitForEndpoints(clients, { namespace, service: 'redis' }, 'none', (ready) => ready.length === 0, 30_000));
      const killClients = () => redisCli(clients, namespace, ['CLIENT', 'KILL', 'TYPE', 'normal']);
      // kube-proxy drops the Service's rules a moment after the EndpointSlice empties; a client that reconnects
      // before that gets through. So Redis closes client connections until none come back.
      await step('Redis clients disconnected', () =>
        vi.waitFor(async () => {
          await killClients();
          // Loopback clients are inside the pod: this redis-cli and the readiness probe's PING.
          const connected = (await redisCli(clients, namespace, ['CLIENT', 'LIST', 'TYPE', 'normal'])).split('\n').filter((line) => line.includes('name=') && !line.includes(' addr=127.0.0.1:'));
          expect(connected.length, 'clients still connected to Redis through the cut').toBe(0);
        }, { timeout: 20_000, interval: 1_500 }),
      );
      const disconnectedAt = Date.now();
      // Until both are out of rotation, close any connection that still gets through: on a loaded node kube-proxy can
      // take seconds more to drop the Service's rules, and one client that reconnects meanwhile keeps its pod ready
      // (seen on a cold CI run: the wait timed out with every pod ready).
      const stragglers = setInterval(() => void killClients().catch(() => undefined), 2_000);
      await step('gateway and worker out of rotation', () =>
        waitForPods(clients, { namespace, labelSelector: GATEWAY_AND_WORKER }, 'all not ready', (pods) => pods.length > 0 && !pods.some(podReady), windowMs + 30_000, diagnostics),
      ).finally(() => clearInterval(stragglers));
      results.notReadyAfterMs = Date.now() - disconnectedAt;
      results.restartsDuring = await step(`hold the outage ${REDIS_OUTAGE_MS / 1000} s, counting restarts`, async () => {
        let most = restartsBefore;
        while (Date.now() - cutAt < REDIS_OUTAGE_MS) {
          most = Math.max(most, restartCount(await gatewayAndWorker()));
          await sleep(2_000);
        }
        return Math.max(most, restartCount(await gatewayAndWorker()));
      });
      await step('restore the redis Service', restore);
      await step('the Redis endpoint is ready', () => waitForEndpoints(clients, { namespace, service: 'redis' }, 'Redis ready', (ready) => ready.length > 0, 30_000));
      const redisReadyAt = Date.now();
      await step('gateway and worker ready again', () =>
        waitForPods(clients, { namespace, labelSelector: GATEWAY_AND_WORKER }, 'all ready again', (pods) => pods.length > 0 && pods.every(podReady), 60_000, diagnostics),
      );
      results.recoveredAfterMs = Date.now() - redisReadyAt;
      figure('nodePortBackSeconds', seconds(await step('the gateway answers through its NodePort', untilGatewayServes)));
      results.totalsAfter = await step("read the worker's totals again", readWorkerTotals);
      figure('notReadySeconds', seconds(results.notReadyAfterMs));
      figure('recoverySeconds', seconds(results.recoveredAfterMs));
      figure('workerTotals', `${results.totalsBefore} before, ${results.totalsAfter} after`);
    });

    it('takes gateway and worker out of rotation (not ready) within the readiness window plus slack', () => {
      const notReadyAfterMs = outage.result('notReadyAfterMs');
      expect(notReadyAfterMs, `not ready ${seconds(notReadyAfterMs)} s after Redis became unreachable`).toBeLessThanOrEqual(outage.result('windowMs') + SLACK_MS);
    });

    it('never restarts gateway or worker for it (liveness does not look at Redis)', () => {
      expect(outage.result('restartsDuring'), 'container restarts of gateway and worker during the outage').toBe(outage.result('restartsBefore'));
    });

    it(`has them ready again within ${REDIS_RECOVERY_BUDGET_MS / 1000} s of the Redis endpoint being ready`, () => {
      const recoveredAfterMs = outage.result('recoveredAfterMs');
      expect(recoveredAfterMs, `ready ${seconds(recoveredAfterMs)} s after Redis`).toBeLessThanOrEqual(REDIS_RECOVERY_BUDGET_MS);
    });

    it('loses no increment the worker reported done: totals after >= before, and rising again', async () => {
      const [before, after] = [outage.result('totalsBefore'), outage.result('totalsAfter')];
      expect(after, `worker totals went from ${before} to ${after}`).toBeGreaterThanOrEqual(before);
      await vi.waitFor(async () => expect(await workerTotals()).toBeGreaterThan(after), { timeout: 30_000, interval: 2_000 });
    });
  });

  describe('startup: new pods receive no traffic before their readiness passes', () => {
    const startup = phase<{ from: number; newPods: string[] }>('scale-up', {}, async ({ step, record, load, moreRequests, results, figure }) => {
      await step('the gateway serves through its NodePort', untilGatewayServes); // whatever the phases before left
      const before = new Set((await step('list the gateway pods', () => livePods(clients, gateway))).map(podName));
      const from = (results.from = (await clients.apps.readNamespacedDeployment({ name: GATEWAY, namespace })).spec?.replicas ?? 2);
      figure('replicas', `${from} -> ${from + 2}`);
      record(gateway);
      await load({ url: `${await url(GATEWAY)}/api/info`, rate: 150, connections: 8, maxSeconds: 150, reconnectEvery: 10, baseline: 300 });
      // The HPA's floor moves with the Deployment, so the HPA does not scale it straight back.
      await step(`scale from ${from} to ${from + 2}`, async () => {
        await setHpaBounds(clients, namespace, GATEWAY, { min: from + 2, max: Math.max(from + 2, 10) });
        await scaleDeployment(clients, namespace, GATEWAY, from + 2);
      });
      await step(`${from + 2} replicas ready`, () => waitForRollout(clients, namespace, GATEWAY, 120_000, diagnostics));
      await moreRequests(1_000); // traffic on all pods for a while: new connections reach the new pods too
      results.newPods = (await step('list the new pods', () => livePods(clients, gateway))).map(podName).filter((pod) => !before.has(pod));
    });

    it('fails no request while two pods start under load: 0 non-2xx, 0 socket errors', () => {
      const load = startup.result('load');
      expect(startup.result('newPods').length, `new pods started (scaled from ${startup.result('from')})`).toBe(2);
      expect(load.non2xx + load.errors, `a starting pod got traffic before it was ready: ${describeLoad(load)}`).toBe(0);
    });
  });
});
