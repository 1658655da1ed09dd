import type { V1Deployment, V1Pod, V1PodDisruptionBudget, V1PodTemplateSpec } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { StatusResponseSchema } from '../contracts/api-gateway.js';
import { OverviewSchema } from '../contracts/dashboard.js';
import type { JoinedAgent } from '../harness/cluster/join-agents.js';
import { panelOf, recordEndpointsByNode, recordNodes } from '../harness/evidence/record-nodes.js';
import { recordWorkload, type WorkloadRecording } from '../harness/evidence/record-workload.js';
import { Timeline } from '../harness/evidence/timeline.js';
import { DEFAULT_PANELS, writeEvidence } from '../harness/evidence/write-evidence.js';
import { desiredHealthy } from '../harness/kube/disruption-budget.js';
import { drainNode, podsToEvict, type DrainReport } from '../harness/kube/drain.js';
import {
  DEFAULT_NODE_MONITOR_GRACE_PERIOD_SECONDS,
  DEFAULT_NODE_MONITOR_PERIOD_SECONDS,
  nodeLossBounds,
  probeSeconds,
  tolerationSecondsFor,
  type NodeLossBounds,
} from '../harness/kube/node-loss.js';
import { chooseDrainPair, nodeReadyStatus, podsOnNode, setTaint, setUnschedulable, waitForNode, type DrainPair } from '../harness/kube/nodes.js';
import { updatePodTemplate, waitForRollout, withRestart } from '../harness/kube/rollout.js';
import { scaleDeployment, setHpaBounds } from '../harness/kube/scale.js';
import { waitForEndpointsByNode, waitForPods } from '../harness/kube/wait-for.js';
import { podReady } from '../harness/kube/workload-state.js';
import { describeLoad, startLoad, type LoadSummary, type RunningLoad } from '../harness/load/constant-load.js';
import { describeNamespaceOnFailure } from '../harness/on-failure.js';
import { useSystem } from '../harness/scenario-system.js';
import { suiteConfig } from '../harness/suite-config.js';
import { useCluster } from '../harness/use-cluster.js';

// A second node joins the shared cluster (an agent container on the cluster's network). The gateway and the
// dashboard spread their replicas over both nodes (topologySpreadConstraints), under steady load on the gateway's
// NodePort. Then:
//   drain      the agent is cordoned and drained through the Eviction API, as `kubectl drain` does: the budgets
//              hold (an eviction that would break one is refused with 429 and retried), the pods come back on the
//              other node, and no request fails;
//   node loss  the agent is killed (SIGKILL): the node goes NotReady, its pods leave the Services and are replaced
//              on the server within the bound that follows from the node-monitor grace period and the pods'
//              tolerationSeconds, and the system serves again with nobody acting. Requests routed to the dead node
//              fail until its endpoints are removed (Kubernetes cannot know sooner); they are counted, with their
//              window, and must stop once the endpoints are gone.
// The agent is dedicated to this file (a NoSchedule taint that only this file's gateway and dashboard tolerate), so
// the scenario files running beside it never have a pod there; it is removed at the end (its Node deleted).
// On a cluster the suite did not start (KMS_KUBECONFIG), the drain runs against one of its own nodes (KMS_DRAIN_NODE,
// else the last worker by name: chooseDrainPair), tainted the same way for the file's duration and uncordoned at the
// end; the node loss is skipped, since the suite can only kill a node container it started.
const SCENARIO = 'node-failure';
const GATEWAY = 'api-gateway';
const DASHBOARD = 'dashboard';
const GATEWAY_PODS = 'app.kubernetes.io/name=api-gateway';
const DASHBOARD_PODS = 'app.kubernetes.io/name=dashboard';
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

/** Keeps every pod off the agent but this file's gateway and dashboard pods (see `tolerateAgent`). */
const AGENT_TAINT = { key: 'kube-microservices-suite/dedicated', value: SCENARIO, effect: 'NoSchedule' } as const;

const seconds = (ms: number): number => Math.round(ms / 100) / 10;

/**
 * Lets a pod template run on the dedicated node and keeps it on the pair (idempotent), so the spread is the same two
 * nodes on any cluster. Redis and the worker never get it: they stay off the dedicated node.
 */
const placeOnPair = (template: V1PodTemplateSpec, pair: DrainPair): V1PodTemplateSpec => {
  const spec = template.spec!;
  const tolerations = spec.tolerations ?? [];
  if (!tolerations.some((item) => item.key === AGENT_TAINT.key)) spec.tolerations = [...tolerations, { ...AGENT_TAINT, operator: 'Equal' }];
  const onPair = { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [pair.drain, pair.partner] }] };
  spec.affinity = { ...spec.affinity, nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [onPair] } } };
  return template;
};

describe('node failure: a second node is drained, then lost, and the system keeps serving', () => {
  const cluster = useCluster();
  const external = cluster.info.mode === 'external';
  // The agent joins while the system is deployed (its pods cannot land there: they do not tolerate it yet). On an
  // external cluster, the chosen node is tainted before the system is deployed, for the same reason.
  let joining: Promise<JoinedAgent[]> | undefined;
  let choosing: Promise<DrainPair> | undefined;
  beforeAll(() => {
    if (external) {
      choosing = (async () => {
        const pair = chooseDrainPair((await cluster.clients.core.listNode()).items, suiteConfig().drainNode);
        await setTaint(cluster.clients, pair.drain, AGENT_TAINT, true);
        console.log(`[${SCENARIO}] draining ${pair.drain} of your cluster (its pods move to ${pair.partner}); set KMS_DRAIN_NODE to choose`);
        return pair;
      })();
    } else {
      joining = cluster.addAgents(1, { images: [GATEWAY, DASHBOARD], taints: [`${AGENT_TAINT.key}=${AGENT_TAINT.value}:${AGENT_TAINT.effect}`] });
      choosing = joining.then(([joined]) => ({ drain: joined!.nodeName, partner: cluster.nodes()[0]!.nodeName }));
    }
    choosing.catch(() => undefined); // awaited below
  });
  const { namespace } = useSystem(cluster, SCENARIO);
  const { clients } = cluster;
  const explain = () => cluster.describe(namespace);
  const figures: Record<string, string | number> = {};
  let gatewayUrl: string;
  let dashboardUrl: string;
  let agent: JoinedAgent | undefined;
  let pair: DrainPair;
  // The node drained (and, on a cluster the harness started, killed), and the node its pods move to.
  let agentName: string;
  let serverName: string;

  const livePods = async (selector: string): Promise<V1Pod[]> =>
    (await clients.core.listNamespacedPod({ namespace, labelSelector: selector })).items.filter((pod) => !pod.metadata?.deletionTimestamp);
  const onNode = (pods: V1Pod[], node: string): V1Pod[] => pods.filter((pod) => pod.spec?.nodeName === node);

  /** Holds the gateway at `replicas` (its HPA pinned there, so the load does not scale it during the phase). */
  const holdGateway = async (replicas: number): Promise<void> => {
    await setHpaBounds(clients, namespace, GATEWAY, { min: replicas, max: replicas });
    await scaleDeployment(clients, namespace, GATEWAY, replicas);
  };

  /**
   * Replaces every gateway and dashboard pod, tolerating the agent, so the scheduler spreads them over both nodes.
   */
  const respread = async (): Promise<void> => {
    for (const name of [GATEWAY, DASHBOARD]) await updatePodTemplate(clients, namespace, name, (template) => placeOnPair(withRestart()(template), pair));
    await Promise.all([GATEWAY, DASHBOARD].map((name) => waitForRollout(clients, namespace, name, 180_000, explain)));
  };

  /** Recording of one phase: the gateway's Deployment and endpoints, both Services' endpoints per node, the nodes. */
  const recording = (name: string): { timeline: Timeline; workload: WorkloadRecording; finish: (figures: Record<string, string | number>) => void } => {
    const timeline = new Timeline(SCENARIO, name);
    const workload = recordWorkload(clients, timeline, { namespace, deployment: GATEWAY, service: GATEWAY, podSelector: GATEWAY_PODS });
    const watches = [
      recordEndpointsByNode(clients, timeline, { namespace, service: GATEWAY, label: 'gateway' }),
      recordEndpointsByNode(clients, timeline, { namespace, service: DASHBOARD, label: 'dashboard' }),
      recordNodes(clients, timeline),
    ];
    return {
      timeline,
      workload,
      finish: (phaseFigures) => {
        workload.stop();
        watches.forEach((watch) => watch.stop());
        for (const [key, value] of Object.entries(phaseFigures)) timeline.figure(key, value);
        const data = timeline.toJSON();
        const panels = [
          DEFAULT_PANELS[0]!,
          panelOf(data, 'Gateway: ready endpoints per node', (series) => series.startsWith('gateway@')),
          panelOf(data, 'Dashboard: ready endpoints per node', (series) => series.startsWith('dashboard@')),
          panelOf(data, 'Nodes: Ready (1) or not (0)', (series) => series.startsWith('ready ')),
          DEFAULT_PANELS[1]!,
        ];
        console.log(`[${SCENARIO}] ${name}: evidence in ${writeEvidence(timeline, panels).svg}`);
      },
    };
  };

  /** Load on the gateway's /api/info, and a few seconds of it before anything happens (the chart's baseline). */
  const startGatewayLoad = async (timeline: Timeline, timeoutSeconds?: number): Promise<RunningLoad> => {
    const load = startLoad({ url: `${gatewayUrl}/api/info`, rate: RATE, connections: CONNECTIONS, maxSeconds: 400, reconnectEvery: RECONNECT_EVERY, timeoutSeconds, timeline });
    await vi.waitFor(() => expect(load.summary().sent).toBeGreaterThan(RATE * 3), { timeout: 30_000, interval: 250 });
    return load;
  };

  beforeAll(async () => {
    gatewayUrl = await cluster.serviceUrl(GATEWAY, namespace);
    dashboardUrl = await cluster.serviceUrl(DASHBOARD, namespace);
    const waitStarted = Date.now();
    pair = await choosing!;
    agentName = pair.drain;
    serverName = pair.partner;
    if (joining) {
      [agent] = await joining;
      figures.agentJoinSeconds = agent!.joinSeconds;
      figures.agentWaitAfterDeploySeconds = seconds(Date.now() - waitStarted);
      console.log(`[${SCENARIO}] ${agentName} joined: Ready ${agent!.joinSeconds} s after its container started; images loaded ${figures.agentWaitAfterDeploySeconds} s after the system was deployed`);
    }
  });

  afterAll(async () => {
    const [joined] = (await joining?.catch(() => undefined)) ?? [];
    if (joined) {
      const removed = await cluster.removeAgent(joined.container);
      if (removed.length > 0) console.log(`[${SCENARIO}] removed ${joined.nodeName}: its Node and ${removed.length} pod(s) bound to it (${removed.join(', ')})`);
    }
    const chosen = external ? await choosing?.catch(() => undefined) : undefined;
    if (chosen) {
      await setTaint(clients, chosen.drain, AGENT_TAINT, false);
      await setUnschedulable(clients, chosen.drain, false);
    }
    console.log(`[${SCENARIO}] figures:\n${Object.entries(figures).map(([key, value]) => `  ${key}: ${value}`).join('\n')}`);
  });

  describeNamespaceOnFailure(cluster, namespace);

  describe(`drain: the node is cordoned and drained through the Eviction API under load`, () => {
    let report: DrainReport;
    let load: LoadSummary;
    let minReady: { ready: number; desired: number } | undefined;
    let minEndpoints: number | undefined;
    let keep: number;
    let placement: Record<string, string[]>; // pod -> node, before the drain

    beforeAll(async () => {
      await holdGateway(DRAIN_REPLICAS);
      await respread();
      placement = Object.fromEntries(
        [...(await livePods(GATEWAY_PODS)), ...(await livePods(DASHBOARD_PODS))].map((pod) => [pod.metadata!.name!, [pod.spec?.nodeName ?? '-', podReady(pod) ? 'ready' : 'not ready']]),
      );
      const budget: V1PodDisruptionBudget = await clients.policy.readNamespacedPodDisruptionBudget({ name: GATEWAY, namespace });
      keep = desiredHealthy(budget, DRAIN_REPLICAS);
      const { timeline, workload, finish } = recording('drain');
      const running = await startGatewayLoad(timeline);
      try {
        timeline.mark(`drain ${agentName}`);
        report = await drainNode(clients, agentName, { onEvent: (message) => timeline.mark(message) });
        await Promise.all([GATEWAY, DASHBOARD].map((name) => waitForRollout(clients, namespace, name, 120_000, explain)));
        timeline.mark('evicted pods replaced and ready');
        // A few more seconds of load on the new placement.
        const sent = running.summary().sent;
        await vi.waitFor(() => expect(running.summary().sent).toBeGreaterThan(sent + RATE * 3), { timeout: 30_000, interval: 250 });
        load = await running.stop();
        figures.drainSeconds = seconds(report.finishedAt - report.startedAt);
        figures.drainEvictions = report.evictions.map((item) => `${item.pod.split('/')[1]}: ${item.refused} refused`).join(', ');
        figures.drainLoad = describeLoad(load);
      } finally {
        await running.stop();
        await setUnschedulable(clients, agentName, false);
        timeline.mark(`uncordoned ${agentName}`);
        minReady = workload.minReady();
        minEndpoints = workload.minReadyEndpoints();
        finish({ drainSeconds: figures.drainSeconds ?? '-', evictions: figures.drainEvictions ?? '-', load: figures.drainLoad ?? '-' });
      }
    });

    it('runs the gateway and the dashboard on both nodes first: replicas spread evenly, all ready', () => {
      const count = (prefix: string, node: string) => Object.entries(placement).filter(([pod, [where, ready]]) => pod.startsWith(prefix) && where === node && ready === 'ready').length;
      const where = JSON.stringify(placement);
      expect(count(`${GATEWAY}-`, agentName), `gateway pods on ${agentName}: ${where}`).toBe(DRAIN_REPLICAS / 2);
      expect(count(`${GATEWAY}-`, serverName), `gateway pods on ${serverName}: ${where}`).toBe(DRAIN_REPLICAS / 2);
      expect(count(`${DASHBOARD}-`, agentName), `dashboard pods on ${agentName}: ${where}`).toBe(1);
      expect(count(`${DASHBOARD}-`, serverName), `dashboard pods on ${serverName}: ${where}`).toBe(1);
    });

    it('evicts every pod of the node but DaemonSet and mirror pods', async () => {
      const evicted = report.evictions.map((item) => item.pod.split('/')[1]!);
      expect(evicted.filter((pod) => pod.startsWith(`${GATEWAY}-`)), 'gateway pods evicted').toHaveLength(DRAIN_REPLICAS / 2);
      expect(evicted.filter((pod) => pod.startsWith(`${DASHBOARD}-`)), 'dashboard pods evicted').toHaveLength(1);
      // What is left is exactly what a drain leaves on purpose (DaemonSet and mirror pods), and nothing else.
      const left = podsToEvict((await podsOnNode(clients, agentName)).filter((pod) => !pod.metadata?.deletionTimestamp));
      expect(left.evict.map((pod) => `${pod.metadata?.namespace}/${pod.metadata?.name}`), `pods still on ${agentName} that a drain evicts`).toEqual([]);
      expect(left.skipped.sort(), 'pods left on the node: those the drain skipped').toEqual(report.skipped.filter((pod) => !pod.endsWith('(already terminating)')).sort());
    });

    it('respects the gateway budget: an eviction that would break it is refused (429) and retried until a replacement is ready', () => {
      const gateway = report.evictions.filter((item) => item.pod.includes(`/${GATEWAY}-`));
      const refused = gateway.reduce((sum, item) => sum + item.refused, 0);
      expect(refused, `refusals of gateway evictions (two pods on the node, one disruption allowed): ${JSON.stringify(gateway)}`).toBeGreaterThan(0);
      expect(gateway.flatMap((item) => item.refusals).join(' ')).toMatch(/disruption budget/i);
      // The refused one went only after the other: never two at once.
      const waited = gateway.find((item) => item.refused > 0)!;
      const other = gateway.find((item) => item !== waited)!;
      expect(waited.evictedAt, 'the refused eviction was accepted after the other one').toBeGreaterThan(other.evictedAt);
    });

    it(`never has fewer ready gateway replicas or endpoints than the budget keeps (${DRAIN_REPLICAS} - maxUnavailable)`, () => {
      expect(minReady, 'the Deployment watch saw the gateway').toBeDefined();
      expect(minReady!.ready, `ready replicas fell to ${minReady!.ready}; the budget keeps ${keep}`).toBeGreaterThanOrEqual(keep);
      expect(minEndpoints, `ready endpoints fell to ${minEndpoints}; the budget keeps ${keep}`).toBeGreaterThanOrEqual(keep);
    });

    it('reschedules the evicted pods on the other node, all ready', async () => {
      const gateway = await livePods(GATEWAY_PODS);
      const dashboard = await livePods(DASHBOARD_PODS);
      expect(gateway.filter(podReady).map((pod) => pod.spec?.nodeName)).toEqual(Array(DRAIN_REPLICAS).fill(serverName));
      expect(dashboard.filter(podReady).map((pod) => pod.spec?.nodeName)).toEqual([serverName, serverName]);
    });

    it('fails no request while the node drains: 0 non-2xx, 0 socket errors', () => {
      expect(load.sent, 'requests sent').toBeGreaterThan(RATE * 5);
      expect(load.non2xx + load.errors, `a drain must not fail a request: ${describeLoad(load)}`).toBe(0);
    });

    it('is schedulable again once uncordoned', async () => {
      expect((await clients.core.readNode({ name: agentName })).spec?.unschedulable ?? false).toBe(false);
    });
  });

  // The suite can kill only a node container it started itself; on your cluster (KMS_KUBECONFIG) this is skipped.
  describe.skipIf(external)('node loss: the node is killed (SIGKILL) under load (not on an external cluster: no node the suite may kill)', () => {
    const at: { killed: number; notReady: number; gatewayEndpointsGone: number; dashboardEndpointsGone: number; replaced: number } = {
      killed: 0,
      notReady: 0,
      gatewayEndpointsGone: 0,
      dashboardEndpointsGone: 0,
      replaced: 0,
    };
    let bounds: NodeLossBounds;
    let load: LoadSummary;
    let lostPods: string[];

    /** Ready pods of the workload, all on a node other than the lost one, as many as the Deployment wants. */
    const replacedOnSurvivor = (deployment: V1Deployment, pods: V1Pod[]): boolean => {
      const ready = pods.filter((pod) => !pod.metadata?.deletionTimestamp && podReady(pod) && pod.spec?.nodeName !== agentName);
      return ready.length >= (deployment.spec?.replicas ?? 1);
    };

    beforeAll(async () => {
      await holdGateway(2);
      await respread();
      const gatewayDeployment = await clients.apps.readNamespacedDeployment({ name: GATEWAY, namespace });
      const dashboardDeployment = await clients.apps.readNamespacedDeployment({ name: DASHBOARD, namespace });
      lostPods = [...onNode(await livePods(GATEWAY_PODS), agentName), ...onNode(await livePods(DASHBOARD_PODS), agentName)].map((pod) => pod.metadata!.name!);
      const template = gatewayDeployment.spec?.template.spec;
      bounds = nodeLossBounds({
        gracePeriodSeconds: cluster.info.nodeSettings?.nodeMonitorGracePeriodSeconds ?? DEFAULT_NODE_MONITOR_GRACE_PERIOD_SECONDS,
        monitorPeriodSeconds: cluster.info.nodeSettings?.nodeMonitorPeriodSeconds ?? DEFAULT_NODE_MONITOR_PERIOD_SECONDS,
        tolerationSeconds: Math.max(
          ...[gatewayDeployment, dashboardDeployment].map((d) => tolerationSecondsFor(d.spec?.template.spec?.tolerations, 'node.kubernetes.io/unreachable')),
        ),
        probeSeconds: Math.max(probeSeconds(gatewayDeployment), probeSeconds(dashboardDeployment)),
      });
      figures.nodeLossBounds = `NotReady ≤ ${bounds.notReadySeconds} s, replaced ≤ ${bounds.replacedSeconds} s (+ ${seconds(SLACK_MS)} s slack); grace ${cluster.info.nodeSettings?.nodeMonitorGracePeriodSeconds} s, unreachable toleration ${tolerationSecondsFor(template?.tolerations, 'node.kubernetes.io/unreachable')} s`;

      const { timeline, finish } = recording('node-loss');
      const running = await startGatewayLoad(timeline, LOSS_REQUEST_TIMEOUT_SECONDS);
      try {
        const deadline = (bounds.replacedSeconds * 1000 + SLACK_MS) * 2;
        const gatewayPods = (pods: V1Pod[]) => replacedOnSurvivor(gatewayDeployment, pods);
        const dashboardPods = (pods: V1Pod[]) => replacedOnSurvivor(dashboardDeployment, pods);
        timeline.mark(`kill ${agentName}`);
        at.killed = Date.now();
        await agent!.container.kill();
        await Promise.all([
          waitForNode(clients, agentName, 'not Ready', (node) => nodeReadyStatus(node) !== 'True', deadline).then(() => {
            at.notReady = Date.now();
            timeline.mark(`${agentName} NotReady`);
          }),
          waitForEndpointsByNode(clients, { namespace, service: GATEWAY }, `none on ${agentName}`, (byNode) => !byNode[agentName], deadline).then(() => {
            at.gatewayEndpointsGone = Date.now();
            timeline.mark(`gateway endpoints on ${agentName} removed`);
          }),
          waitForEndpointsByNode(clients, { namespace, service: DASHBOARD }, `none on ${agentName}`, (byNode) => !byNode[agentName], deadline).then(() => {
            at.dashboardEndpointsGone = Date.now();
          }),
          Promise.all([
            waitForPods(clients, { namespace, labelSelector: GATEWAY_PODS }, `replaced on ${serverName}`, gatewayPods, deadline, explain),
            waitForPods(clients, { namespace, labelSelector: DASHBOARD_PODS }, `replaced on ${serverName}`, dashboardPods, deadline, explain),
          ]).then(() => {
            at.replaced = Date.now();
            timeline.mark('replacements ready');
          }),
        ]);
        // Keep the load on for a while after the replacements: it must run clean.
        const sent = running.summary().sent;
        await vi.waitFor(() => expect(running.summary().sent).toBeGreaterThan(sent + RATE * 5), { timeout: 30_000, interval: 250 });
        load = await running.stop();
      } finally {
        await running.stop();
        const since = (t: number | undefined) => (t && at.killed ? seconds(t - at.killed) : '-');
        const summary = load ?? running.summary();
        figures.lostPods = lostPods.join(', ');
        figures.secondsToNotReady = since(at.notReady);
        figures.secondsToGatewayEndpointsRemoved = since(at.gatewayEndpointsGone);
        figures.secondsToDashboardEndpointsRemoved = since(at.dashboardEndpointsGone);
        figures.secondsToReplacementsReady = since(at.replaced);
        figures.failedRequests = `${summary.non2xx + summary.errors} of ${summary.sent}, from ${since(summary.firstFailureAt)} s to ${since(summary.lastFailureAt)} s after the kill`;
        figures.nodeLossLoad = describeLoad(summary);
        const keys = ['nodeLossBounds', 'secondsToNotReady', 'secondsToGatewayEndpointsRemoved', 'secondsToDashboardEndpointsRemoved', 'secondsToReplacementsReady', 'failedRequests'];
        finish(Object.fromEntries(keys.map((key) => [key, figures[key]!])));
      }
    });

    it('had pods of both Services on the node when it died', () => {
      expect(lostPods.filter((pod) => pod.startsWith(`${GATEWAY}-`))).toHaveLength(1);
      expect(lostPods.filter((pod) => pod.startsWith(`${DASHBOARD}-`))).toHaveLength(1);
    });

    it('marks the node NotReady within the node-monitor grace period + one monitor period (+ slack)', () => {
      const ms = at.notReady - at.killed;
      expect(ms, `NotReady after ${seconds(ms)} s; bound ${bounds.notReadySeconds} s + ${seconds(SLACK_MS)} s`).toBeLessThanOrEqual(bounds.notReadySeconds * 1000 + SLACK_MS);
    });

    it("takes the node's pods out of both Services' EndpointSlices when it goes NotReady", () => {
      for (const gone of [at.gatewayEndpointsGone, at.dashboardEndpointsGone]) {
        expect(gone - at.killed, `endpoints removed ${seconds(gone - at.killed)} s after the kill`).toBeLessThanOrEqual(bounds.notReadySeconds * 1000 + SLACK_MS);
      }
    });

    it('replaces its pods on the surviving node within grace + monitor period + tolerationSeconds + probe periods (+ slack)', () => {
      const ms = at.replaced - at.killed;
      expect(ms, `replacements ready ${seconds(ms)} s after the kill; bound ${bounds.replacedSeconds} s + ${seconds(SLACK_MS)} s`).toBeLessThanOrEqual(
        bounds.replacedSeconds * 1000 + SLACK_MS,
      );
    });

    it('serves again with nobody acting: replicas back to desired, /api/status healthy, the dashboard green', async () => {
      for (const name of [GATEWAY, DASHBOARD]) {
        const deployment = await clients.apps.readNamespacedDeployment({ name, namespace });
        expect(deployment.status?.readyReplicas, `${name} ready replicas`).toBe(deployment.spec?.replicas);
      }
      const status = StatusResponseSchema.parse(await (await fetch(`${gatewayUrl}/api/status`)).json());
      expect(status.redis.connected).toBe(true);
      await vi.waitFor(
        async () => {
          const overview = OverviewSchema.parse(await (await fetch(`${dashboardUrl}/api/overview`)).json());
          expect(overview.overall, JSON.stringify(overview.services)).toBe('up');
        },
        { timeout: 30_000, interval: 1_000 },
      );
    });

    it("fails requests only until the node's endpoints are removed (counted, with their window)", () => {
      const failures = load.non2xx + load.errors;
      console.log(`[${SCENARIO}] node loss: ${failures} of ${load.sent} requests failed; ${figures.failedRequests}`);
      const stopBy = Math.max(at.gatewayEndpointsGone, at.notReady) + LOSS_REQUEST_TIMEOUT_SECONDS * 1000 + PROXY_SYNC_SLACK_MS;
      if (load.lastFailureAt !== undefined) {
        expect(load.lastFailureAt, `last failure ${seconds(load.lastFailureAt - at.killed)} s after the kill; endpoints removed at ${seconds(at.gatewayEndpointsGone - at.killed)} s (+ request timeout + proxy sync)`).toBeLessThanOrEqual(stopBy);
        expect(load.firstFailureAt!, 'no failure before the kill').toBeGreaterThanOrEqual(at.killed);
      }
      expect(load.sent, 'requests sent').toBeGreaterThan(RATE * 10);
    });
  });
});
