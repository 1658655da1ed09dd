import type { V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { recordHpa } from '../harness/evidence/record-hpa.js';
import { DEFAULT_PANELS } from '../harness/evidence/write-evidence.js';
import { DEFAULT_HPA_SYNC_PERIOD_SECONDS, readMetricResolutionSeconds, readsAboveTarget, reportsAllMetrics, scaleOutDecisionBoundSeconds, waitForHpa } from '../harness/kube/hpa.js';
import { applyObjects } from '../harness/kube/apply.js';
import { waitForRollout } from '../harness/kube/rollout.js';
import { describeLoad } from '../harness/load/constant-load.js';
import { podsAnswering } from '../harness/load/distinct-pods.js';
import { startRampingLoad } from '../harness/load/ramp-load.js';
import { useScenario } from '../harness/scenario.js';
import { placementFor, placeSystem } from '../harness/scenario-system.js';
import { seconds } from '../harness/seconds.js';
import { GATEWAY, gatewayWorkload, TEST_OVERLAY } from '../harness/system.js';

// Autoscaling of the api-gateway on CPU, on the live cluster (metrics-server -> HPA -> Deployment). The gateway
// requests 100m CPU and the HPA targets 70 % of it. What a request on /api/status (a Redis PING and two reads) costs
// depends on the machine: 400 req/s read 45-82 % on our 2-core machine from run to run, at the target's edge. So the
// load rises (by STEP_RATE every STEP_SECONDS, from START_RATE up to MAX_RATE) until the HPA reads the CPU clearly
// above its target, and the decision's bound counts from that last rise. Bounded (MAX_LOAD_SECONDS); it stops as soon
// as the new pods serve.
const START_RATE = 400;
const STEP_RATE = 200;
const MAX_RATE = 1400;
/** A metrics-server resolution and an HPA sync: long enough for a rise to show in the HPA's reading. */
const STEP_SECONDS = 25;
const MIN_REPLICAS = 2;
const MAX_LOAD_SECONDS = 180;
/** On top of the decision's bound from the settings: watch delivery, a loaded 2-core machine. */
const DECISION_SLACK_SECONDS = 10;
const HPA_PANEL = { title: 'HPA: CPU utilization (% of request) and desired replicas', series: ['cpuUtilizationPercent', 'hpaDesiredReplicas'] };

interface Reapply {
  before: number;
  after: number;
  desired: number;
}

interface ScaleUp {
  decisionBoundSeconds: number;
  decisionAfterMs: number;
  desired: number;
  readyAfterMs: number;
  answering: Map<string, number>;
}

describe('hpa: the api-gateway scales out under CPU load', () => {
  const { clients, namespace, url, diagnostics, cluster, phase } = useScenario('hpa');
  const hpa = { namespace, name: GATEWAY };

  it('has the worker HPA applied and reporting every metric (no <unknown> targets)', async () => {
    const worker = await waitForHpa(clients, { namespace, name: 'worker' }, 'current values for every metric', reportsAllMetrics, 120_000);
    expect(worker, 'the worker HPA').toBeDefined();
  });

  // What the API server kept of the manifests, which is what the HPA controller acts on. Watching the 300 s scale-down
  // window act would take five idle minutes; the immediate scale-up is what the decision's bound below relies on.
  it('keeps the behaviour the manifests declare in the API server: scale down after 300 s, scale up at once', async () => {
    const live = await clients.autoscaling.readNamespacedHorizontalPodAutoscaler(hpa);
    const declared = (await cluster.render(TEST_OVERLAY)).find((object) => object.kind === 'HorizontalPodAutoscaler' && object.metadata?.name === GATEWAY) as
      | V2HorizontalPodAutoscaler
      | undefined;
    expect(live.spec?.behavior?.scaleDown?.stabilizationWindowSeconds, 'scale-down stabilization').toBe(300);
    expect(live.spec?.behavior?.scaleUp?.stabilizationWindowSeconds, 'scale-up stabilization (immediate)').toBe(0);
    expect(live.spec?.behavior, "the live behaviour is the manifests' one").toMatchObject(declared!.spec!.behavior!);
    expect([live.spec?.minReplicas, live.spec?.maxReplicas]).toEqual([declared!.spec!.minReplicas, declared!.spec!.maxReplicas]);
  });

  describe('under load on /api/status', () => {
    const scaleUp = phase<ScaleUp>(
      'scale-up',
      { panels: () => [...DEFAULT_PANELS, HPA_PANEL] },
      async ({ step, record, results, figure, timeline, onTeardown }) => {
        // The HPA must have a CPU reading before the load, or the reaction time includes its first metrics.
        await step('the HPA reports every metric', () => waitForHpa(clients, hpa, 'current values for every metric', reportsAllMetrics, 120_000));
        const metricResolutionSeconds = await step("read metrics-server's resolution", () => readMetricResolutionSeconds(clients));
        results.decisionBoundSeconds = scaleOutDecisionBoundSeconds({ metricResolutionSeconds, syncPeriodSeconds: DEFAULT_HPA_SYNC_PERIOD_SECONDS });
        const gatewayUrl = await url(GATEWAY);
        record(gatewayWorkload(namespace), (recorded) => [recordHpa(clients, recorded, hpa)]);
        const loadStarted = Date.now();
        const traffic = startRampingLoad({
          url: `${gatewayUrl}/api/status`,
          startRate: START_RATE,
          stepRate: STEP_RATE,
          maxRate: MAX_RATE,
          stepSeconds: STEP_SECONDS,
          connections: 16,
          maxSeconds: MAX_LOAD_SECONDS,
          reconnectEvery: 50,
          timeline,
          enough: async () => {
            const live = await clients.autoscaling.readNamespacedHorizontalPodAutoscaler(hpa);
            return readsAboveTarget(live, 'cpu') || (live.status?.desiredReplicas ?? 0) > MIN_REPLICAS;
          },
          onStep: (rate) => timeline.mark(`load: ${rate} req/s`),
        });
        onTeardown('stop the load', async () => figure('load', describeLoad(await traffic.stop())));
        const decided = await step(`the HPA decides on more than ${MIN_REPLICAS} replicas`, () =>
          Promise.race([
            waitForHpa(clients, hpa, `desired replicas above ${MIN_REPLICAS}`, (item) => (item.status?.desiredReplicas ?? 0) > MIN_REPLICAS, MAX_LOAD_SECONDS * 1000),
            traffic.done.then(() => Promise.reject(new Error(`the load ended (${MAX_LOAD_SECONDS} s) before the HPA scaled up`))),
          ]),
        );
        results.decisionAfterMs = Date.now() - traffic.lastStepAt();
        figure('loadRate', traffic.rate());
        results.desired = decided.status!.desiredReplicas!;
        figure('lastRiseToDecisionSeconds', seconds(results.decisionAfterMs));
        figure('desiredReplicas', results.desired);
        await step('the new pods are ready', () => waitForRollout(clients, namespace, GATEWAY, 120_000, diagnostics));
        results.readyAfterMs = Date.now() - loadStarted;
        figure('loadStartToPodsReadySeconds', seconds(results.readyAfterMs));
        results.answering = await step('sample the pods answering', () => podsAnswering(gatewayUrl, 40));
        figure('podsAnswering', [...results.answering.entries()].map(([pod, count]) => `${pod}:${count}`).join(' '));
      },
    );

    it("decides to scale out within two of metrics-server's resolutions and one HPA sync of the load's last rise (+ slack)", () => {
      const afterMs = scaleUp.result('decisionAfterMs');
      const bound = scaleUp.result('decisionBoundSeconds');
      expect(afterMs, `desired ${scaleUp.result('desired')} replicas ${seconds(afterMs)} s after the load's last rise; bound ${bound} s + ${DECISION_SLACK_SECONDS} s`).toBeLessThanOrEqual(
        (bound + DECISION_SLACK_SECONDS) * 1000,
      );
    });

    it(`gets the new pods ready and serving: answers come from more than ${MIN_REPLICAS} distinct pods`, () => {
      const answering = scaleUp.result('answering');
      expect(answering.size, `pods answering /api/info on new connections: ${[...answering.keys()].join(', ')}`).toBeGreaterThan(MIN_REPLICAS);
    });
  });

  // The harness applies with server-side apply and force (harness/kube/apply.ts), as `kubectl apply --server-side
  // --force-conflicts` would: a replica count in the manifests would take the field back from the HPA and scale the
  // gateway down to it. The Deployments of an HPA have none (manifests/base/api-gateway).
  describe('a re-apply of the manifests after the scale-out', () => {
    const reapply = phase<Reapply>('re-apply', {}, async ({ step, results, figure }) => {
      const replicas = async () => (await clients.apps.readNamespacedDeployment({ name: GATEWAY, namespace })).spec?.replicas ?? 1;
      results.before = await step("read the gateway's scaled-out count", replicas);
      // This file's copy as useScenario applied it: the Deployments do not depend on the lane (only Services do).
      const deployments = placeSystem(await cluster.render(TEST_OVERLAY), placementFor('hpa', 0)).filter((object) => object.kind === 'Deployment');
      await step('re-apply the Deployments, server-side and forced', () => applyObjects(clients, deployments));
      results.after = await step("read the gateway's count again", replicas);
      results.desired = (await clients.autoscaling.readNamespacedHorizontalPodAutoscaler(hpa)).status?.desiredReplicas ?? 0;
      figure('replicas', `${results.before} -> ${results.after} (HPA desired ${results.desired})`);
    });

    it('leaves the count the HPA scaled out to alone', () => {
      const before = reapply.result('before');
      expect(before, 'the gateway had scaled out before the re-apply').toBeGreaterThan(MIN_REPLICAS);
      expect(reapply.result('after'), `the gateway's replicas after the re-apply (HPA desired ${reapply.result('desired')})`).toBe(before);
    });
  });
});
