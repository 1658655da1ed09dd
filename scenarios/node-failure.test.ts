import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { StatusResponseSchema } from '../contracts/api-gateway.js';
import { OverviewSchema } from '../contracts/dashboard.js';
import { dedicateNode, placeOnPair, releaseNode, type DedicatedNode } from '../harness/dedicated-node.js';
import { perNodePanels, recordPerNode } from '../harness/evidence/record-nodes.js';
import { desiredHealthy } from '../harness/kube/disruption-budget.js';
import { drainNode, podsToEvict, type DrainReport } from '../harness/kube/drain.js';
import { nodeLossBounds, nodeLossSettingsFor, type NodeLossBounds } from '../harness/kube/node-loss.js';
import { nodeReadyStatus, podsOnNode, setUnschedulable, waitForNode } from '../harness/kube/nodes.js';
import { updatePodTemplate, waitForRollout, withRestart } from '../harness/kube/rollout.js';
import { scaleDeployment, setHpaBounds } from '../harness/kube/scale.js';
import { waitForEndpointsByNode, waitForPods } from '../harness/kube/wait-for.js';
import { podReady } from '../harness/kube/workload-state.js';
import { livePods } from '../harness/kube/workload.js';
import { describeLoad } from '../harness/load/constant-load.js';
import type { PhaseContext, PhaseOptions } from '../harness/phase/run-phase.js';
import { useScenario } from '../harness/scenario.js';
import { seconds } from '../harness/seconds.js';
import { DASHBOARD, dashboardWorkload, GATEWAY, gatewayWorkload } from '../harness/system.js';

// A node dedicated to this file joins (harness/dedicated-node.ts; on a cluster the suite did not start, one of its own);
// the gateway and the dashboard spread over both nodes, under steady load on the gateway's NodePort. It is drained as
// `kubectl drain` does (the budgets hold, no request fails), then killed (SIGKILL: NotReady, out of the Services and
// replaced within the bounds from the node-monitor grace period and the tolerations; requests routed to it fail only
// until its endpoints are removed). README: Node drain and node loss.
const SCENARIO = 'node-failure';
const RATE = 200; // requests per second on /api/info, across CONNECTIONS keep-alive connections
const CONNECTIONS = 8;
const RECONNECT_EVERY = 20; // requests per connection: connections keep being spread over the pods
/** Gateway replicas during the drain: two per node, so the budget (one pod at a time) has something to refuse. */
const DRAIN_REPLICAS = 4;
/** A request to a pod on the dead node hangs; it fails after this (autocannon's timeout) and its connection is remade. */
const LOSS_REQUEST_TIMEOUT_SECONDS = 3;
/** On top of the bounds from the settings: watch delivery, kube-proxy's resync, a loaded 2-core machine. */
const SLACK_MS = 15_000;
/** From the EndpointSlice update to kube-proxy's rules on the server no longer sending to the dead pods. */
const PROXY_SYNC_SLACK_MS = 3_000;
/** Services whose ready endpoints are recorded per node in each phase. */
const PER_NODE = [{ service: GATEWAY, label: 'gateway', title: 'Gateway' }, { service: DASHBOARD, label: 'dashboard', title: 'Dashboard' }];

interface Drain { node: DedicatedNode; spreadBeforeDrain: Record<string, { node: string; ready: boolean }>; keep: number; report: DrainReport }
interface NodeLoss { node: DedicatedNode; bounds: NodeLossBounds; lostPods: string[]; killedAt: number; notReadyAt: number; gatewayEndpointsGoneAt: number; dashboardEndpointsGoneAt: number; replacedAt: number }

describe('node failure: a second node is drained, then lost, and the system keeps serving', () => {
  let dedicating: Promise<DedicatedNode>;
  const { cluster, clients, namespace, url, diagnostics, figures, phase } = useScenario(SCENARIO, {
    // The node is made ready while the system deploys: the system's pods cannot land there, they do not tolerate it.
    beforeDeploy: (cluster) => {
      dedicating = dedicateNode(cluster, SCENARIO, [GATEWAY, DASHBOARD]);
      dedicating.catch(() => undefined); // awaited below
    },
  });
  const external = cluster.info.mode === 'external';
  const gateway = gatewayWorkload(namespace);
  const dashboard = dashboardWorkload(namespace);

  beforeAll(async () => {
    const waitStarted = Date.now();
    const { pair, agent } = await dedicating;
    if (agent) figures.agentJoinSeconds = agent.joinSeconds;
    figures.nodeWaitAfterDeploySeconds = seconds(Date.now() - waitStarted);
    console.log(`[${SCENARIO}] draining ${pair.drain} (its pods move to ${pair.partner})${external ? '; set KMS_DRAIN_NODE to choose' : `, an agent Ready ${agent?.joinSeconds} s after its container started`}`);
  });

  afterAll(async () => {
    const dedicated = await dedicating?.catch(() => undefined);
    if (dedicated) console.log(`[${SCENARIO}] ${await releaseNode(cluster, SCENARIO, dedicated)}`);
  });

  /** Holds the gateway at `gatewayReplicas` (its HPA pinned: the load must not scale it) and replaces every gateway and
   * dashboard pod, placed on the pair: the scheduler spreads them over both nodes. */
  const spreadOverPair = async ({ pair }: DedicatedNode, gatewayReplicas: number): Promise<void> => {
    await setHpaBounds(clients, namespace, GATEWAY, { min: gatewayReplicas, max: gatewayReplicas });
    await scaleDeployment(clients, namespace, GATEWAY, gatewayReplicas);
    for (const name of [GATEWAY, DASHBOARD]) await updatePodTemplate(clients, namespace, name, (template) => placeOnPair(SCENARIO, pair)(withRestart()(template)));
    await Promise.all([GATEWAY, DASHBOARD].map((name) => waitForRollout(clients, namespace, name, 180_000, diagnostics)));
  };
  const onBothNodes: PhaseOptions = { panels: (data) => perNodePanels(data, PER_NODE) };
  /** From here on, a phase's action: the gateway (Deployment, endpoints), both Services' endpoints per node and the nodes
   * recorded, under load on the gateway's /api/info, a few seconds of it first (the chart's baseline). */
  const underLoad = async ({ record, load }: Pick<PhaseContext<object>, 'record' | 'load'>, timeoutSeconds?: number): Promise<void> => {
    record(gateway, (timeline) => recordPerNode(clients, timeline, namespace, PER_NODE));
    await load({ url: `${await url(GATEWAY)}/api/info`, rate: RATE, connections: CONNECTIONS, maxSeconds: 400, reconnectEvery: RECONNECT_EVERY, timeoutSeconds, baseline: RATE * 3 });
  };

  describe('drain: the node is cordoned and drained through the Eviction API under load', () => {
    const drain = phase<Drain>('drain', onBothNodes, async ({ step, record, load, moreRequests, results, timeline, figure, onTeardown }) => {
      const node = (results.node = await step('the dedicated node is ready', () => dedicating));
      const { drain: drained } = node.pair;
      await step(`gateway at ${DRAIN_REPLICAS} replicas and dashboard spread over both nodes`, () => spreadOverPair(node, DRAIN_REPLICAS));
      results.spreadBeforeDrain = await step('read where the pods run', async () => {
        const pods = [...(await livePods(clients, gateway)), ...(await livePods(clients, dashboard))];
        return Object.fromEntries(pods.map((pod) => [pod.metadata!.name!, { node: pod.spec?.nodeName ?? '-', ready: podReady(pod) }]));
      });
      results.keep = desiredHealthy(await step("read the gateway's budget", () => clients.policy.readNamespacedPodDisruptionBudget({ name: GATEWAY, namespace })), DRAIN_REPLICAS);
      await underLoad({ record, load });
      onTeardown(`uncordoned ${drained}`, () => setUnschedulable(clients, drained, false));
      const report = (results.report = await step(`${drained} drained`, () => drainNode(clients, drained, { onEvent: (message) => timeline.mark(message) })));
      figure('drainSeconds', seconds(report.finishedAt - report.startedAt));
      figure('evictions', report.evictions.map((item) => `${item.pod.split('/')[1]}: ${item.refused} refused`).join(', '));
      await step('evicted pods replaced and ready', () => Promise.all([GATEWAY, DASHBOARD].map((name) => waitForRollout(clients, namespace, name, 120_000, diagnostics))));
      await moreRequests(RATE * 3); // a few more seconds of load on the new placement
    });

    it('runs the gateway and the dashboard on both nodes first: replicas spread evenly, all ready', () => {
      const { pair } = drain.result('node');
      const spread = drain.result('spreadBeforeDrain');
      const count = (app: string, node: string) => Object.entries(spread).filter(([pod, where]) => pod.startsWith(`${app}-`) && where.node === node && where.ready).length;
      const seen = JSON.stringify(spread);
      expect(count(GATEWAY, pair.drain), `gateway pods on ${pair.drain}: ${seen}`).toBe(DRAIN_REPLICAS / 2);
      expect(count(GATEWAY, pair.partner), `gateway pods on ${pair.partner}: ${seen}`).toBe(DRAIN_REPLICAS / 2);
      expect(count(DASHBOARD, pair.drain), `dashboard pods on ${pair.drain}: ${seen}`).toBe(1);
      expect(count(DASHBOARD, pair.partner), `dashboard pods on ${pair.partner}: ${seen}`).toBe(1);
    });

    it('evicts every pod of the node but DaemonSet and mirror pods', async () => {
      const { drain: drained } = drain.result('node').pair;
      const report = drain.result('report');
      const evicted = report.evictions.map((item) => item.pod.split('/')[1]!);
      expect(evicted.filter((pod) => pod.startsWith(`${GATEWAY}-`)), 'gateway pods evicted').toHaveLength(DRAIN_REPLICAS / 2);
      expect(evicted.filter((pod) => pod.startsWith(`${DASHBOARD}-`)), 'dashboard pods evicted').toHaveLength(1);
      // What is left is exactly what a drain leaves on purpose (DaemonSet and mirror pods), and nothing else.
      const left = podsToEvict((await podsOnNode(clients, drained)).filter((pod) => !pod.metadata?.deletionTimestamp));
      expect(left.evict.map((pod) => `${pod.metadata?.namespace}/${pod.metadata?.name}`), `pods still on ${drained} that a drain evicts`).toEqual([]);
      expect(left.skipped.sort(), 'pods left on the node: those the drain skipped').toEqual(report.skipped.filter((pod) => !pod.endsWith('(already terminating)')).sort());
    });

    it('respects the gateway budget: an eviction that would break it is refused (429) and retried until a replacement is ready', () => {
      const gatewayEvictions = drain.result('report').evictions.filter((item) => item.pod.includes(`/${GATEWAY}-`));
      const refused = gatewayEvictions.reduce((sum, item) => sum + item.refused, 0);
      expect(refused, `refusals of gateway evictions (two pods on the node, one disruption allowed): ${JSON.stringify(gatewayEvictions)}`).toBeGreaterThan(0);
      expect(gatewayEvictions.flatMap((item) => item.refusals).join(' ')).toMatch(/disruption budget/i);
      // The refused one went only after the other: never two at once.
      const waited = gatewayEvictions.find((item) => item.refused > 0)!;
      const other = gatewayEvictions.find((item) => item !== waited)!;
      expect(waited.evictedAt, 'the refused eviction was accepted after the other one').toBeGreaterThan(other.evictedAt);
    });

    it(`never has fewer ready gateway replicas or endpoints than the budget keeps (${DRAIN_REPLICAS} - maxUnavailable)`, () => {
      const [keep, minReady, minEndpoints] = [drain.result('keep'), drain.result('minReady'), drain.result('minReadyEndpoints')];
      expect(minReady.ready, `ready replicas fell to ${minReady.ready}; the budget keeps ${keep}`).toBeGreaterThanOrEqual(keep);
      expect(minEndpoints, `ready endpoints fell to ${minEndpoints}; the budget keeps ${keep}`).toBeGreaterThanOrEqual(keep);
    });

    it('reschedules the evicted pods on the other node, all ready', async () => {
      const { partner } = drain.result('node').pair;
      expect((await livePods(clients, gateway)).filter(podReady).map((pod) => pod.spec?.nodeName)).toEqual(Array(DRAIN_REPLICAS).fill(partner));
      expect((await livePods(clients, dashboard)).filter(podReady).map((pod) => pod.spec?.nodeName)).toEqual([partner, partner]);
    });

    it('fails no request while the node drains: 0 non-2xx, 0 socket errors', () => {
      const load = drain.result('load');
      expect(load.sent, 'requests sent').toBeGreaterThan(RATE * 5);
      expect(load.non2xx + load.errors, `a drain must not fail a request: ${describeLoad(load)}`).toBe(0);
    });
  });

  describe.skipIf(external)('node loss: the node is killed (SIGKILL) under load (not on an external cluster: no node the suite may kill)', () => {
    /** Ready pods of the workload, all on a node other than the lost one, as many as the Deployment wants. */
    const replacedOff = (lost: string, deployment: V1Deployment) => (pods: V1Pod[]): boolean =>
      pods.filter((pod) => !pod.metadata?.deletionTimestamp && podReady(pod) && pod.spec?.nodeName !== lost).length >= (deployment.spec?.replicas ?? 1);

    const loss = phase<NodeLoss>('node-loss', onBothNodes, async ({ step, record, load, moreRequests, results, figure }) => {
      const node = (results.node = await step('the dedicated node is ready', () => dedicating));
      const { drain: lost, partner } = node.pair;
      await step('gateway and dashboard spread over both nodes again', () => spreadOverPair(node, 2));
      const [gatewayDeployment, dashboardDeployment] = await step('read the Deployments', () => Promise.all([GATEWAY, DASHBOARD].map((name) => clients.apps.readNamespacedDeployment({ name, namespace }))));
      const settings = nodeLossSettingsFor(cluster.info.nodeSettings, [gatewayDeployment!, dashboardDeployment!]);
      const bounds = (results.bounds = nodeLossBounds(settings));
      figure('bounds', `NotReady ≤ ${bounds.notReadySeconds} s, replaced ≤ ${bounds.replacedSeconds} s (+ ${seconds(SLACK_MS)} s slack); grace ${settings.gracePeriodSeconds} s, unreachable toleration ${settings.tolerationSeconds} s`);
      const both = async () => [...(await livePods(clients, gateway)), ...(await livePods(clients, dashboard))];
      results.lostPods = await step(`list the pods on ${lost}`, async () => (await both()).filter((pod) => pod.spec?.nodeName === lost).map((pod) => pod.metadata!.name!));
      figure('lostPods', results.lostPods.join(', '));
      await underLoad({ record, load }, LOSS_REQUEST_TIMEOUT_SECONDS);
      const deadline = (bounds.replacedSeconds * 1000 + SLACK_MS) * 2;
      const killedAt = (results.killedAt = Date.now());
      const reached = (key: 'notReadyAt' | 'gatewayEndpointsGoneAt' | 'dashboardEndpointsGoneAt' | 'replacedAt', figureName: string) => () => {
        const at = (results[key] = Date.now());
        figure(figureName, seconds(at - killedAt));
      };
      await step(`kill ${lost}`, () => {
        if (!node.agent) throw new Error(`${lost} is not a node container the suite started`);
        return node.agent.container.kill();
      });
      await Promise.all([
        step(`${lost} NotReady`, () => waitForNode(clients, lost, 'not Ready', (item) => nodeReadyStatus(item) !== 'True', deadline)).then(reached('notReadyAt', 'secondsToNotReady')),
        step(`gateway endpoints on ${lost} removed`, () => waitForEndpointsByNode(clients, { namespace, service: GATEWAY }, `none on ${lost}`, (byNode) => !byNode[lost], deadline)).then(reached('gatewayEndpointsGoneAt', 'secondsToGatewayEndpointsRemoved')),
        step(`dashboard endpoints on ${lost} removed`, () => waitForEndpointsByNode(clients, { namespace, service: DASHBOARD }, `none on ${lost}`, (byNode) => !byNode[lost], deadline)).then(reached('dashboardEndpointsGoneAt', 'secondsToDashboardEndpointsRemoved')),
        step(`replacements ready on ${partner}`, () =>
          Promise.all([
            waitForPods(clients, { namespace, labelSelector: gateway.podSelector }, `replaced on ${partner}`, replacedOff(lost, gatewayDeployment!), deadline, diagnostics),
            waitForPods(clients, { namespace, labelSelector: dashboard.podSelector }, `replaced on ${partner}`, replacedOff(lost, dashboardDeployment!), deadline, diagnostics),
          ]),
        ).then(reached('replacedAt', 'secondsToReplacementsReady')),
      ]);
      await moreRequests(RATE * 5); // the load keeps on after the replacements: it must run clean
    });

    it('had pods of both Services on the node when it died (the scheduler used it again once uncordoned after the drain)', () => {
      const lostPods = loss.result('lostPods');
      expect(lostPods.filter((pod) => pod.startsWith(`${GATEWAY}-`)), `pods on the node: ${lostPods.join(', ')}`).toHaveLength(1);
      expect(lostPods.filter((pod) => pod.startsWith(`${DASHBOARD}-`)), `pods on the node: ${lostPods.join(', ')}`).toHaveLength(1);
    });

    it('marks the node NotReady within the node-monitor grace period + one monitor period (+ slack)', () => {
      const [ms, bounds] = [loss.result('notReadyAt') - loss.result('killedAt'), loss.result('bounds')];
      expect(ms, `NotReady after ${seconds(ms)} s; bound ${bounds.notReadySeconds} s + ${seconds(SLACK_MS)} s`).toBeLessThanOrEqual(bounds.notReadySeconds * 1000 + SLACK_MS);
    });

    it("takes the node's pods out of both Services' EndpointSlices when it goes NotReady", () => {
      const [killedAt, bounds] = [loss.result('killedAt'), loss.result('bounds')];
      for (const gone of [loss.result('gatewayEndpointsGoneAt'), loss.result('dashboardEndpointsGoneAt')]) {
        expect(gone - killedAt, `endpoints removed ${seconds(gone - killedAt)} s after the kill`).toBeLessThanOrEqual(bounds.notReadySeconds * 1000 + SLACK_MS);
      }
    });

    it('replaces its pods on the surviving node within grace + monitor period + tolerationSeconds + probe periods (+ slack)', () => {
      const [ms, bounds] = [loss.result('replacedAt') - loss.result('killedAt'), loss.result('bounds')];
      expect(ms, `replacements ready ${seconds(ms)} s after the kill; bound ${bounds.replacedSeconds} s + ${seconds(SLACK_MS)} s`).toBeLessThanOrEqual(bounds.replacedSeconds * 1000 + SLACK_MS);
    });

    it('serves again with nobody acting: replicas back to desired, /api/status healthy, the dashboard green', async () => {
      for (const name of [GATEWAY, DASHBOARD]) {
        const deployment = await clients.apps.readNamespacedDeployment({ name, namespace });
        expect(deployment.status?.readyReplicas, `${name} ready replicas`).toBe(deployment.spec?.replicas);
      }
      const status = StatusResponseSchema.parse(await (await fetch(`${await url(GATEWAY)}/api/status`)).json());
      expect(status.redis.connected).toBe(true);
      const dashboardUrl = await url(DASHBOARD);
      await vi.waitFor(async () => {
        const overview = OverviewSchema.parse(await (await fetch(`${dashboardUrl}/api/overview`)).json());
        expect(overview.overall, JSON.stringify(overview.services)).toBe('up');
      }, { timeout: 30_000, interval: 1_000 });
    });

    it("fails requests only until the node's endpoints are removed (counted, with their window)", () => {
      const [load, killedAt, gatewayEndpointsGoneAt] = [loss.result('load'), loss.result('killedAt'), loss.result('gatewayEndpointsGoneAt')];
      const since = (at: number | undefined) => (at === undefined ? '-' : seconds(at - killedAt));
      figures['node-loss.failedRequests'] = `${load.non2xx + load.errors} of ${load.sent}, from ${since(load.firstFailureAt)} s to ${since(load.lastFailureAt)} s after the kill`;
      console.log(`[${SCENARIO}] node loss: ${figures['node-loss.failedRequests']}`);
      const stopBy = Math.max(gatewayEndpointsGoneAt, loss.result('notReadyAt')) + LOSS_REQUEST_TIMEOUT_SECONDS * 1000 + PROXY_SYNC_SLACK_MS;
      if (load.lastFailureAt !== undefined) {
        expect(load.lastFailureAt, `last failure ${since(load.lastFailureAt)} s after the kill; endpoints removed at ${since(gatewayEndpointsGoneAt)} s (+ request timeout + proxy sync)`).toBeLessThanOrEqual(stopBy);
        expect(load.firstFailureAt!, 'no failure before the kill').toBeGreaterThanOrEqual(killedAt);
      }
      expect(load.sent, 'requests sent').toBeGreaterThan(RATE * 10);
    });
  });
});
