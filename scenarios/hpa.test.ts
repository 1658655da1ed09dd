import type { V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordHpa } from '../harness/evidence/record-hpa.js';
import { recordWorkload } from '../harness/evidence/record-workload.js';
import { Timeline } from '../harness/evidence/timeline.js';
import { DEFAULT_PANELS, writeEvidence } from '../harness/evidence/write-evidence.js';
import { waitForRollout } from '../harness/kube/rollout.js';
import { watchUntil } from '../harness/kube/watch-until.js';
import { describeLoad, startLoad, type LoadSummary } from '../harness/load/constant-load.js';
import { podsAnswering } from '../harness/load/distinct-pods.js';
import { describeNamespaceOnFailure } from '../harness/on-failure.js';
import { TEST_OVERLAY } from '../harness/system.js';
import { useSystem } from '../harness/scenario-system.js';
import { useCluster } from '../harness/use-cluster.js';

// Autoscaling of the api-gateway on CPU, on the live cluster (metrics-server -> HPA -> Deployment). The gateway
// requests 100m CPU and the HPA targets 70 % of it, so moderate load on /api/status (a Redis PING and two reads per
// request) is enough. The load is bounded (MAX_LOAD_SECONDS) and stops as soon as the new pods serve.
const SCENARIO = 'hpa';
const GATEWAY = 'api-gateway';
const MIN_REPLICAS = 2;
const MAX_LOAD_SECONDS = 120;
const seconds = (ms: number): number => Math.round(ms / 100) / 10;

const hpaWatch = (clients: ReturnType<typeof useCluster>['clients'], namespace: string, name: string, what: string, satisfied: (hpa: V2HorizontalPodAutoscaler) => boolean, timeoutMs: number) =>
  watchUntil<V2HorizontalPodAutoscaler>(clients.kc, {
    what: `HPA ${name}: ${what}`,
    path: `/apis/autoscaling/v2/namespaces/${namespace}/horizontalpodautoscalers`,
    list: () => clients.autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace }),
    satisfied: (hpas) => hpas.some((hpa) => hpa.metadata?.name === name && satisfied(hpa)),
    timeoutMs,
  });

/** Every metric the HPA is configured with has a current value (what `kubectl get hpa` shows instead of <unknown>). */
const reportsAllMetrics = (hpa: V2HorizontalPodAutoscaler): boolean => {
  const configured = (hpa.spec?.metrics ?? []).map((metric) => metric.resource?.name);
  const current = hpa.status?.currentMetrics ?? [];
  return configured.length > 0 && configured.every((resource) => current.some((metric) => metric.resource?.name === resource && metric.resource?.current.averageUtilization !== undefined));
};

describe('hpa: the api-gateway scales out under CPU load', () => {
  const cluster = useCluster();
  const { namespace } = useSystem(cluster, SCENARIO);
  const { clients } = cluster;
  const explain = () => cluster.describe(namespace);
  const figures: Record<string, string | number> = {};
  let gatewayUrl: string;

  beforeAll(async () => {
    gatewayUrl = await cluster.serviceUrl(GATEWAY, namespace);
  });

  afterAll(() => {
    console.log(`[${SCENARIO}] figures:\n${Object.entries(figures).map(([key, value]) => `  ${key}: ${value}`).join('\n')}`);
  });

  describeNamespaceOnFailure(cluster, namespace);

  it('has the worker HPA applied and reporting every metric (no <unknown> targets)', async () => {
    const [hpa] = await hpaWatch(clients, namespace, 'worker', 'current values for every metric', reportsAllMetrics, 120_000);
    expect(hpa, 'the worker HPA').toBeDefined();
  });

  it('has the scale-up and scale-down behaviour the manifests declare (scale down after 300 s, scale up at once)', async () => {
    const live = await clients.autoscaling.readNamespacedHorizontalPodAutoscaler({ name: GATEWAY, namespace });
    const declared = (await cluster.render(TEST_OVERLAY)).find((object) => object.kind === 'HorizontalPodAutoscaler' && object.metadata?.name === GATEWAY) as
      | V2HorizontalPodAutoscaler
      | undefined;
    expect(live.spec?.behavior?.scaleDown?.stabilizationWindowSeconds, 'scale-down stabilization').toBe(300);
    expect(live.spec?.behavior?.scaleUp?.stabilizationWindowSeconds, 'scale-up stabilization (immediate)').toBe(0);
    expect(live.spec?.behavior, 'the live behaviour is the manifests\' one').toMatchObject(declared!.spec!.behavior!);
    expect([live.spec?.minReplicas, live.spec?.maxReplicas]).toEqual([declared!.spec!.minReplicas, declared!.spec!.maxReplicas]);
  });

  describe('under load on /api/status', () => {
    let load: LoadSummary;
    let decisionAfterMs: number;
    let readyAfterMs: number;
    let desired: number;
    let answering: Map<string, number>;

    beforeAll(async () => {
      // The HPA must have a CPU reading before the load, or the reaction time includes its first metrics.
      await hpaWatch(clients, namespace, GATEWAY, 'current values for every metric', reportsAllMetrics, 120_000);
      const timeline = new Timeline(SCENARIO, 'scale-up');
      const workload = recordWorkload(clients, timeline, { namespace, deployment: GATEWAY, service: GATEWAY, podSelector: 'app.kubernetes.io/name=api-gateway' });
      const hpaRecording = recordHpa(clients, timeline, { namespace, name: GATEWAY });
      const traffic = startLoad({ url: `${gatewayUrl}/api/status`, rate: 400, connections: 16, maxSeconds: MAX_LOAD_SECONDS, reconnectEvery: 50, timeline });
      const loadStarted = Date.now();
      timeline.mark('load started');
      try {
        const [hpa] = await Promise.race([
          hpaWatch(clients, namespace, GATEWAY, `desired replicas above ${MIN_REPLICAS}`, (item) => (item.status?.desiredReplicas ?? 0) > MIN_REPLICAS, MAX_LOAD_SECONDS * 1000),
          traffic.done.then(() => Promise.reject(new Error(`the load ended (${MAX_LOAD_SECONDS} s) before the HPA scaled up`))),
        ]);
        decisionAfterMs = Date.now() - loadStarted;
        desired = hpa!.status!.desiredReplicas!;
        timeline.mark(`HPA desired ${desired}`);
        await waitForRollout(clients, namespace, GATEWAY, 120_000, explain);
        readyAfterMs = Date.now() - loadStarted;
        timeline.mark('new pods ready');
        answering = await podsAnswering(gatewayUrl, 40);
        timeline.mark('sampled pods');
      } finally {
        load = await traffic.stop();
        workload.stop();
        hpaRecording.stop();
        timeline.figure('loadStartToDecisionSeconds', seconds(decisionAfterMs));
        timeline.figure('loadStartToPodsReadySeconds', seconds(readyAfterMs));
        const panels = [...DEFAULT_PANELS, { title: 'HPA: CPU utilization (% of request) and desired replicas', series: ['cpuUtilizationPercent', 'hpaDesiredReplicas'] }];
        console.log(`[${SCENARIO}] scale-up: evidence in ${writeEvidence(timeline, panels).svg}`);
      }
      figures.loadStartToDecisionSeconds = seconds(decisionAfterMs);
      figures.loadStartToPodsReadySeconds = seconds(readyAfterMs);
      figures.desiredReplicas = desired;
      figures.load = describeLoad(load);
      figures.podsAnswering = [...answering.entries()].map(([pod, count]) => `${pod}:${count}`).join(' ');
    });

    it(`raises desired replicas above ${MIN_REPLICAS} (the time from load start to that decision is recorded)`, () => {
      expect(desired).toBeGreaterThan(MIN_REPLICAS);
    });

    it('gets the new pods ready and serving: answers come from more than 2 distinct pods', () => {
      expect(answering.size, `pods answering /api/info on new connections: ${[...answering.keys()].join(', ')}`).toBeGreaterThan(MIN_REPLICAS);
    });
  });
});
