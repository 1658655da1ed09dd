import type { V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { StatusResponseSchema } from '../contracts/api-gateway.js';
import { recordWorkload, type WorkloadRecording } from '../harness/evidence/record-workload.js';
import { Timeline } from '../harness/evidence/timeline.js';
import { writeEvidence } from '../harness/evidence/write-evidence.js';
import { cutServiceOff } from '../harness/kube/cut-service.js';
import { setGatewayProbe } from '../harness/kube/gateway-toggles.js';
import { containerProbes, failureWindowMs, type ProbeWindows } from '../harness/kube/probe-window.js';
import { redisCli } from '../harness/kube/redis-admin.js';
import { waitForRollout } from '../harness/kube/rollout.js';
import { scaleDeployment, setHpaBounds } from '../harness/kube/scale.js';
import { waitForEndpoints, waitForPods } from '../harness/kube/wait-for.js';
import { podReady, restartCount } from '../harness/kube/workload-state.js';
import { httpGet } from '../harness/http-get.js';
import { describeLoad, startLoad, type LoadSummary } from '../harness/load/constant-load.js';
import { describeNamespaceOnFailure } from '../harness/on-failure.js';
import { useSystem } from '../harness/scenario-system.js';
import { useCluster } from '../harness/use-cluster.js';

// What the probes promise, checked on the live cluster: the Service stops routing to a pod whose readiness fails
// (without restarting it), the kubelet restarts a container whose liveness fails, a Redis outage takes pods out of
// rotation but never restarts them, and a new pod gets no traffic before it is ready.
const SCENARIO = 'probes';
const GATEWAY = 'api-gateway';
const GATEWAY_PODS = 'app.kubernetes.io/name=api-gateway';
const WORKER_PODS = 'app.kubernetes.io/name=worker';
/** Margin on top of a probe's own window: the watch, the EndpointSlice controller, a loaded 2-core node. */
const SLACK_MS = 8_000;

const seconds = (ms: number): number => Math.round(ms / 100) / 10;
const name = (pod: V1Pod): string => pod.metadata!.name!;

describe('probes: the Service and the kubelet act on what the pods report', () => {
  const cluster = useCluster();
  const { namespace } = useSystem(cluster, SCENARIO);
  const { clients } = cluster;
  const explain = () => cluster.describe(namespace);
  const figures: Record<string, string | number> = {};
  let gatewayUrl: string;
  let probes: ProbeWindows;

  /** The gateway's pods, without those already shutting down (a rollout's old pods stay listed while they drain). */
  const gatewayPods = async (): Promise<V1Pod[]> =>
    (await clients.core.listNamespacedPod({ namespace, labelSelector: GATEWAY_PODS })).items.filter((pod) => !pod.metadata?.deletionTimestamp);
  const podByName = async (pod: string): Promise<V1Pod> => clients.core.readNamespacedPod({ name: pod, namespace });

  /** A timeline of the gateway (Deployment, EndpointSlices, restarts), written to artifacts/probes/<name>.*. */
  const recording = (timelineName: string): { timeline: Timeline; workload: WorkloadRecording; finish: () => void } => {
    const timeline = new Timeline(SCENARIO, timelineName);
    const workload = recordWorkload(clients, timeline, { namespace, deployment: GATEWAY, service: GATEWAY, podSelector: GATEWAY_PODS });
    return {
      timeline,
      workload,
      finish: () => {
        workload.stop();
        console.log(`[${SCENARIO}] ${timelineName}: evidence in ${writeEvidence(timeline).svg}`);
      },
    };
  };

  /**
   * Waits until the gateway answers through its NodePort on new connections, 10 in a row. Its endpoints being ready
   * is not enough: kube-proxy on the node may still reject for a moment after a Service had none (seen as one
   * ECONNRESET right after the Redis outage, two files sharing the node). Returns how long that took.
   */
  const untilGatewayServes = async (): Promise<number> => {
    const started = Date.now();
    await vi.waitFor(
      async () => {
        for (let i = 0; i < 10; i += 1) expect((await httpGet(`${gatewayUrl}/api/info`)).status).toBe(200);
      },
      { timeout: 30_000, interval: 500 },
    );
    return Date.now() - started;
  };

  beforeAll(async () => {
    gatewayUrl = await cluster.serviceUrl(GATEWAY, namespace);
    probes = containerProbes(await clients.apps.readNamespacedDeployment({ name: GATEWAY, namespace }), GATEWAY);
  });

  afterAll(() => {
    console.log(`[${SCENARIO}] figures:\n${Object.entries(figures).map(([key, value]) => `  ${key}: ${value}`).join('\n')}`);
  });

  describeNamespaceOnFailure(cluster, namespace);

  describe('readiness: a pod that reports not ready leaves the Service and comes back', () => {
    let pod: string;
    let restartsBefore: number;
    let leftAfterMs: number;
    let backAfterMs: number;

    beforeAll(async () => {
      pod = name((await gatewayPods()).find(podReady)!);
      restartsBefore = restartCount([await podByName(pod)]);
      const { timeline, finish } = recording('readiness');
      try {
        timeline.mark(`readiness disabled in ${pod}`);
        const disabledAt = Date.now();
        await setGatewayProbe(clients, { namespace, pod }, 'readiness', false);
        await waitForEndpoints(clients, { namespace, service: GATEWAY }, `${pod} not ready`, (ready) => !ready.includes(pod), failureWindowMs(probes.readiness) + 30_000);
        leftAfterMs = Date.now() - disabledAt;
        timeline.mark(`${pod} left the endpoints`);

        timeline.mark(`readiness enabled in ${pod}`);
        const enabledAt = Date.now();
        await setGatewayProbe(clients, { namespace, pod }, 'readiness', true);
        await waitForEndpoints(clients, { namespace, service: GATEWAY }, `${pod} ready again`, (ready) => ready.includes(pod), 60_000);
        backAfterMs = Date.now() - enabledAt;
        timeline.mark(`${pod} back in the endpoints`);
      } finally {
        // Whatever happened, the pod is not left unready for the next steps.
        await setGatewayProbe(clients, { namespace, pod }, 'readiness', true).catch(() => undefined);
        finish();
      }
      figures.readinessLeftSeconds = seconds(leftAfterMs);
      figures.readinessBackSeconds = seconds(backAfterMs);
    });

    it('leaves the EndpointSlice within periodSeconds x failureThreshold (from the Deployment) plus slack', () => {
      const window = failureWindowMs(probes.readiness);
      expect(leftAfterMs, `the pod left the endpoints ${seconds(leftAfterMs)} s after its readiness failed; the probe allows ${seconds(window)} s + ${seconds(SLACK_MS)} s slack`).toBeLessThanOrEqual(
        window + SLACK_MS,
      );
    });

    it('is not restarted for it (readiness never kills)', async () => {
      expect(restartCount([await podByName(pod)]), `${pod} was restarted although only its readiness failed`).toBe(restartsBefore);
    });

    it('comes back once the cause is removed, within one readiness period plus slack', () => {
      expect(backAfterMs, `the pod came back ${seconds(backAfterMs)} s after its readiness recovered`).toBeLessThanOrEqual((probes.readiness.periodSeconds ?? 10) * 1000 + SLACK_MS);
    });
  });

  describe('liveness: a container whose liveness fails is restarted while the others keep serving', () => {
    let pod: string;
    let restartsBefore: number;
    let restartedAfterMs: number;
    let load: LoadSummary;

    beforeAll(async () => {
      pod = name((await gatewayPods()).find(podReady)!);
      restartsBefore = restartCount([await podByName(pod)]);
      const { timeline, finish } = recording('liveness');
      const traffic = startLoad({ url: `${gatewayUrl}/api/info`, rate: 50, connections: 4, maxSeconds: 120, reconnectEvery: 10, timeline });
      try {
        // A hung process fails both probes (a stuck event loop answers neither): readiness takes it out of the
        // Service, liveness gets it restarted. Liveness alone would leave it in the endpoints until its shutdown
        // fails readiness, and requests racing the kill can be reset; with both toggles, what is asserted is that
        // the other pods keep serving while this one is restarted.
        timeline.mark(`liveness and readiness disabled in ${pod}`);
        const disabledAt = Date.now();
        await setGatewayProbe(clients, { namespace, pod }, 'liveness', false);
        await setGatewayProbe(clients, { namespace, pod }, 'readiness', false);
        await waitForPods(clients, { namespace, labelSelector: GATEWAY_PODS }, `${pod} restarted`, (pods) => pods.some((item) => name(item) === pod && restartCount([item]) > restartsBefore), failureWindowMs(probes.liveness) + 45_000, explain);
        restartedAfterMs = Date.now() - disabledAt;
        timeline.mark(`${pod} restarted`);
        // The restarted container starts with liveness enabled again; wait for it to be back in rotation.
        await waitForEndpoints(clients, { namespace, service: GATEWAY }, `${pod} ready after its restart`, (ready) => ready.includes(pod), 60_000);
        timeline.mark(`${pod} ready again`);
      } finally {
        load = await traffic.stop();
        finish();
      }
      figures.livenessRestartSeconds = seconds(restartedAfterMs);
      figures.livenessLoad = describeLoad(load);
    });

    it('restarts the container within (liveness period x failureThreshold) plus slack', () => {
      const window = failureWindowMs(probes.liveness);
      expect(restartedAfterMs, `restart came ${seconds(restartedAfterMs)} s after liveness began failing; the probe allows ${seconds(window)} s + slack`).toBeLessThanOrEqual(window + SLACK_MS);
    });

    it('keeps serving through the NodePort meanwhile: every request succeeds', () => {
      expect(load.sent, 'requests sent while the container was failing').toBeGreaterThan(100);
      expect(load.non2xx + load.errors, `requests failed while one pod was being restarted: ${describeLoad(load)}`).toBe(0);
    });
  });

  describe('Redis outage: gateway and worker leave rotation, are never restarted, and lose no counted work', () => {
    // Redis keeps its data on an emptyDir (manifests/base/redis): a new pod starts with an empty /data, so scaling
    // Redis to 0 and back would lose the counters by design, and "no increment lost" could not be shown that way.
    // So the outage is a network cut that keeps the Redis pod and its data: the redis Service's selector is pointed
    // at a label no pod has (its endpoints empty; NetworkPolicy is not enforced without a policy CNI), and Redis
    // closes the clients' open connections (kube-proxy would keep established flows). For ~30 s. Then the selector
    // is put back.
    const OUTAGE_MS = 30_000;
    const RECOVERY_BUDGET_MS = 10_000;
    const bothPods = 'app.kubernetes.io/name in (api-gateway,worker)';
    let restartsBefore: number;
    let restartsDuring: number;
    let totalsBefore: number;
    let totalsAfter: number;
    let notReadyAfterMs: number;
    let recoveredAfterMs: number;

    const workerTotals = async (): Promise<number | undefined> => {
      const response = await fetch(`${gatewayUrl}/api/status`);
      const status = StatusResponseSchema.parse(await response.json());
      return status.worker ? status.worker.totals.success + status.worker.totals.failed : undefined;
    };
    // Retried: a pooled keep-alive connection may be dead (a gateway container was restarted, Redis was cut off).
    const readWorkerTotals = (): Promise<number> =>
      vi.waitFor(async () => (await workerTotals()) ?? Promise.reject(new Error('no worker totals yet')), { timeout: 20_000, interval: 500 });

    beforeAll(async () => {
      const listBoth = async () => (await clients.core.listNamespacedPod({ namespace, labelSelector: bothPods })).items;
      restartsBefore = restartCount(await listBoth());
      totalsBefore = await readWorkerTotals();
      const { timeline, finish } = recording('redis-outage');
      const traffic = startLoad({ url: `${gatewayUrl}/api/info`, rate: 20, connections: 2, maxSeconds: 150, timeline });
      let restore: (() => Promise<void>) | undefined;
      try {
        timeline.mark('redis Service cut off');
        const cutAt = Date.now();
        restore = await cutServiceOff(clients, namespace, 'redis');
        await waitForEndpoints(clients, { namespace, service: 'redis' }, 'none', (ready) => ready.length === 0, 30_000);
        // kube-proxy drops the Service's rules a moment after the EndpointSlice empties; a client that reconnects
        // before that gets through. So Redis closes client connections until none come back.
        await vi.waitFor(
          async () => {
            await redisCli(clients, namespace, ['CLIENT', 'KILL', 'TYPE', 'normal']);
            const clientsLeft = (await redisCli(clients, namespace, ['CLIENT', 'LIST', 'TYPE', 'normal'])).split('\n').filter((line) => line.includes('name=') && !line.includes('cmd=client')).length;
            expect(clientsLeft, 'clients still connected to Redis through the cut').toBe(0);
          },
          { timeout: 20_000, interval: 1_500 },
        );
        timeline.mark('Redis clients disconnected');
        const disconnectedAt = Date.now();
        // Until both are out of rotation, close any connection that still gets through: on a loaded node kube-proxy
        // can take seconds more to drop the Service's rules, and one client that reconnects meanwhile keeps its pod
        // ready (seen on a cold CI run: the wait timed out with every pod ready).
        const stragglers = setInterval(() => void redisCli(clients, namespace, ['CLIENT', 'KILL', 'TYPE', 'normal']).catch(() => undefined), 2_000);
        try {
          await waitForPods(clients, { namespace, labelSelector: bothPods }, 'all not ready', (pods) => pods.length > 0 && !pods.some(podReady), failureWindowMs(probes.readiness) + 30_000, explain);
        } finally {
          clearInterval(stragglers);
        }
        notReadyAfterMs = Date.now() - disconnectedAt;
        timeline.mark('gateway and worker not ready');
        // Hold the outage ~30 s, checking all along that nobody is restarted for it.
        await vi.waitFor(
          async () => {
            expect(restartCount(await listBoth()), 'a Redis outage restarted a pod').toBe(restartsBefore);
            expect(Date.now() - cutAt).toBeGreaterThanOrEqual(OUTAGE_MS);
          },
          { timeout: OUTAGE_MS + 20_000, interval: 2_000 },
        ).catch(() => undefined);
        restartsDuring = restartCount(await listBoth());

        await restore();
        restore = undefined;
        timeline.mark('redis Service restored');
        await waitForEndpoints(clients, { namespace, service: 'redis' }, 'Redis ready', (ready) => ready.length > 0, 30_000);
        const redisReadyAt = Date.now();
        timeline.mark('Redis endpoint ready');
        await waitForPods(clients, { namespace, labelSelector: bothPods }, 'all ready again', (pods) => pods.length > 0 && pods.every(podReady), 60_000, explain);
        recoveredAfterMs = Date.now() - redisReadyAt;
        timeline.mark('gateway and worker ready');
        figures.redisNodePortBackSeconds = seconds(await untilGatewayServes());
        timeline.mark('gateway answers through its NodePort');
        totalsAfter = await readWorkerTotals();
      } finally {
        await restore?.();
        await traffic.stop();
        finish();
      }
      figures.redisNotReadySeconds = seconds(notReadyAfterMs);
      figures.redisRecoverySeconds = seconds(recoveredAfterMs);
      figures.workerTotals = `${totalsBefore} before, ${totalsAfter} after`;
    });

    it('takes gateway and worker out of rotation (not ready) within the readiness window plus slack', () => {
      expect(notReadyAfterMs, `not ready ${seconds(notReadyAfterMs)} s after Redis became unreachable`).toBeLessThanOrEqual(failureWindowMs(probes.readiness) + SLACK_MS);
    });

    it('never restarts gateway or worker for it (liveness does not look at Redis)', () => {
      expect(restartsDuring, 'container restarts of gateway and worker during the outage').toBe(restartsBefore);
    });

    it(`has them ready again within ${RECOVERY_BUDGET_MS / 1000} s of the Redis endpoint being ready`, () => {
      expect(recoveredAfterMs, `ready ${seconds(recoveredAfterMs)} s after Redis`).toBeLessThanOrEqual(RECOVERY_BUDGET_MS);
    });

    it('loses no increment the worker reported done: totals after >= before, and rising again', async () => {
      expect(totalsAfter, `worker totals went from ${totalsBefore} to ${totalsAfter}`).toBeGreaterThanOrEqual(totalsBefore);
      await vi.waitFor(async () => expect(await workerTotals()).toBeGreaterThan(totalsAfter), { timeout: 30_000, interval: 2_000 });
    });
  });

  describe('startup: new pods receive no traffic before their readiness passes', () => {
    let load: LoadSummary;
    let newPods: string[];
    let from: number;

    beforeAll(async () => {
      await untilGatewayServes(); // the steady state this phase starts from, whatever the phases before left
      const before = new Set((await gatewayPods()).map(name));
      from = (await clients.apps.readNamespacedDeployment({ name: GATEWAY, namespace })).spec?.replicas ?? 2;
      const to = from + 2;
      const { timeline, finish } = recording('scale-up');
      const traffic = startLoad({ url: `${gatewayUrl}/api/info`, rate: 150, connections: 8, maxSeconds: 150, reconnectEvery: 10, timeline });
      try {
        await vi.waitFor(() => expect(traffic.summary().sent).toBeGreaterThan(300), { timeout: 20_000, interval: 250 });
        // The HPA's floor moves with the Deployment, so the HPA does not scale it straight back.
        timeline.mark(`scaled from ${from} to ${to}`);
        await setHpaBounds(clients, namespace, GATEWAY, { min: to, max: Math.max(to, 10) });
        await scaleDeployment(clients, namespace, GATEWAY, to);
        await waitForRollout(clients, namespace, GATEWAY, 120_000, explain);
        const readyAt = traffic.summary().sent;
        timeline.mark(`${to} ready`);
        // Traffic on all pods for a while (new connections reach the new pods too).
        await vi.waitFor(() => expect(traffic.summary().sent).toBeGreaterThan(readyAt + 1_000), { timeout: 30_000, interval: 250 });
      } finally {
        load = await traffic.stop();
        finish();
      }
      newPods = (await gatewayPods()).map(name).filter((pod) => !before.has(pod));
      figures.scaleUpLoad = `${from} -> ${from + 2}: ${describeLoad(load)}`;
    });

    it('fails no request while two pods start under load: 0 non-2xx, 0 socket errors', () => {
      expect(newPods.length, `new pods started (scaled from ${from})`).toBe(2);
      expect(load.non2xx + load.errors, `a starting pod got traffic before it was ready: ${describeLoad(load)}`).toBe(0);
    });
  });
});
