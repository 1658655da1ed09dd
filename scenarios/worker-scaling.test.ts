import type { KubernetesObject, V1Deployment } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { TASK_TYPES, type TaskType } from '../contracts/task-types.js';
import { redisKeys } from '../services/shared/src/redis-keys.js';
import { recordHpa } from '../harness/evidence/record-hpa.js';
import { DEFAULT_PANELS } from '../harness/evidence/write-evidence.js';
import { followLog, type FollowedLog } from '../harness/kube/follow-logs.js';
import { DEFAULT_HPA_SYNC_PERIOD_SECONDS, readMetricResolutionSeconds, readsBelowTargets, scaleOutDecisionBoundSeconds, waitForHpa } from '../harness/kube/hpa.js';
import { scrapePod, sumOf, type MetricSample } from '../harness/kube/pod-metrics.js';
import { redisCli } from '../harness/kube/redis-admin.js';
import { waitForRollout } from '../harness/kube/rollout.js';
import { scaleDeployment, setHpaBounds, setPodDeletionCost } from '../harness/kube/scale.js';
import { podReady } from '../harness/kube/workload-state.js';
import { appWorkload, livePods } from '../harness/kube/workload.js';
import { pollUntil } from '../harness/poll.js';
import { useScenario } from '../harness/scenario.js';
import { seconds } from '../harness/seconds.js';

// The worker's HPA (1-5 replicas, CPU 70 % and memory 80 % of the requests) under the worker's own load, and what
// several replicas must keep: each tick of each task type runs once across them (the Redis tick lock,
// services/worker/src/scheduler.ts), and a scale-down loses no task a replica reported done. The load is the test
// toggle of the test overlay (services/worker/src/test-cpu-load.ts): every task run first spins the CPU for the
// milliseconds stored in Redis. This file's copy ticks every 2 s instead of 10 s, so a few ticks take seconds.
const WORKER = 'worker';
const WORKER_PORT = 8081;
const INTERVAL_SECONDS = 2;
/** 4 task runs a tick of 125 ms of CPU each: 250m, 2.5 times the worker's 100m request (the HPA wants 3 at 70 %). */
const TASK_CPU_MS = 125;
/**
 * CPU ms per task run during the scale-down: a tick's four runs go mostly to one replica, which then stays busy for
 * seconds (2 s of CPU at its 500m limit), well past the scale-down's API calls.
 */
const SCALE_DOWN_TASK_CPU_MS = 500;
/** The worker HPA's maxReplicas in the manifests; this file's copy starts held at 1 (see tickingEvery). */
const MAX_REPLICAS = 5;
/** Replicas of the once-per-tick proof (after the HPA's decision, it is held there). */
const REPLICAS = 3;
const TICKS = 4;
/** On top of the decision's bound from the settings: watch delivery, a loaded 2-core machine. */
const DECISION_SLACK_SECONDS = 10;
const HPA_PANEL = { title: 'HPA: CPU utilization (% of request) and desired replicas', series: ['cpuUtilizationPercent', 'hpaDesiredReplicas'] };

/**
 * This file's copy of the system ticks every INTERVAL_SECONDS, and its worker HPA starts held at 1 replica: a worker
 * that has just started can read above the CPU target for a while (its start-up, on a busy machine), and the HPA would
 * scale out before any load.
 */
function tickingEvery(intervalSeconds: number): (objects: KubernetesObject[]) => KubernetesObject[] {
  return (objects) =>
    objects.map((object) => {
      if (object.kind === 'HorizontalPodAutoscaler' && object.metadata?.name === WORKER) {
        const held = structuredClone(object) as KubernetesObject & { spec: { maxReplicas: number } };
        held.spec.maxReplicas = 1;
        return held;
      }
      if (object.kind !== 'Deployment' || object.metadata?.name !== WORKER) return object;
      const deployment = structuredClone(object) as V1Deployment;
      const container = deployment.spec!.template.spec!.containers.find((item) => item.name === WORKER)!;
      container.env = (container.env ?? []).map((variable) => (variable.name === 'TASK_INTERVAL_SECONDS' ? { name: variable.name, value: String(intervalSeconds) } : variable));
      return deployment;
    });
}

/** Task runs a replica took on (finished or in progress) and ticks it left to another, per task type. */
interface TickCounts {
  ran: Record<TaskType, number>;
  skipped: Record<TaskType, number>;
}

function tickCounts(samples: readonly MetricSample[]): TickCounts {
  const per = (count: (type: TaskType) => number) => Object.fromEntries(TASK_TYPES.map((type) => [type, count(type)])) as Record<TaskType, number>;
  return {
    ran: per((type) => sumOf(samples, 'worker_tasks_processed_total', { task_type: type }) + sumOf(samples, 'worker_tasks_in_progress', { task_type: type })),
    skipped: per((type) => sumOf(samples, 'worker_tasks_skipped_total', { task_type: type })),
  };
}

/** A 'task succeeded' line of a worker's log: what the replica reported done. */
interface DoneReport {
  pod: string;
  task: TaskType;
  tickMs: number;
  at: number;
}

function doneReports(pod: string, lines: readonly string[]): DoneReport[] {
  return lines.flatMap((line) => {
    try {
      const entry = JSON.parse(line) as { msg?: string; task?: TaskType; tickMs?: number; time?: string };
      return entry.msg === 'task succeeded' && entry.task && entry.tickMs !== undefined ? [{ pod, task: entry.task, tickMs: entry.tickMs, at: Date.parse(entry.time ?? '') }] : [];
    } catch {
      return [];
    }
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const TICK_MS = INTERVAL_SECONDS * 1000;
/** Sleeps until `offsetMs` into a tick (the next time the wall clock is that far past a tick), as the replicas tick. */
const sleepUntilIntoTick = (offsetMs: number) => sleep(TICK_MS - ((Date.now() - offsetMs) % TICK_MS));

describe('worker scaling: its HPA scales it under its own load; its replicas run each tick once and lose no work', () => {
  const { clients, namespace, diagnostics, phase } = useScenario('worker-scaling', { adjust: tickingEvery(INTERVAL_SECONDS) });
  const worker = appWorkload(namespace, WORKER);
  const hpa = { namespace, name: WORKER };
  const readyPods = async (): Promise<string[]> => (await livePods(clients, worker)).filter(podReady).map((pod) => pod.metadata!.name!);

  describe('its tasks made CPU-heavy (test toggle)', () => {
    const scaleUp = phase<{ decisionBoundSeconds: number; decisionAfterMs: number; scaledTo: number }>(
      'hpa-scale-up',
      { panels: () => [...DEFAULT_PANELS, HPA_PANEL] },
      async ({ step, record, results, figure }) => {
        // The HPA must read the worker at rest below its targets before the load, or its decision would not be the load's.
        await step('the HPA, held at 1 replica, reads every metric below its target', () =>
          waitForHpa(clients, hpa, 'every metric below its target at rest', readsBelowTargets, 120_000),
        );
        await step(`the HPA may scale to ${MAX_REPLICAS} replicas again`, () => setHpaBounds(clients, namespace, WORKER, { max: MAX_REPLICAS }));
        const metricResolutionSeconds = await step("read metrics-server's resolution", () => readMetricResolutionSeconds(clients));
        results.decisionBoundSeconds = scaleOutDecisionBoundSeconds({ metricResolutionSeconds, syncPeriodSeconds: DEFAULT_HPA_SYNC_PERIOD_SECONDS });
        record(worker, (timeline) => [recordHpa(clients, timeline, hpa)]);
        await step(`every task run spins ${TASK_CPU_MS} ms of CPU`, () => redisCli(clients, namespace, ['SET', redisKeys.testTaskCpuMs, String(TASK_CPU_MS)]));
        const loadStarted = Date.now();
        const decided = await step('the HPA decides on more than 1 replica', () => waitForHpa(clients, hpa, 'desired replicas above 1', (item) => (item.status?.desiredReplicas ?? 0) > 1, 90_000));
        results.decisionAfterMs = Date.now() - loadStarted;
        figure('loadStartToDecisionSeconds', seconds(results.decisionAfterMs));
        figure('readingAtDecision', (decided.status?.currentMetrics ?? []).map((metric) => `${metric.resource?.name} ${metric.resource?.current.averageUtilization} %`).join(', '));
        results.scaledTo = await step('the HPA scales the Deployment', async () => {
          let replicas = 0;
          await pollUntil('the Deployment scaled above 1', async () => (replicas = (await clients.apps.readNamespacedDeploymentScale({ name: WORKER, namespace })).spec?.replicas ?? 0) > 1, {
            timeoutMs: 15_000,
            intervalMs: 250,
          });
          return replicas;
        });
        figure('scaledTo', results.scaledTo);
      },
    );

    it("decides to scale out within two of metrics-server's resolutions and one HPA sync of the load's start (+ slack)", () => {
      const afterMs = scaleUp.result('decisionAfterMs');
      const bound = scaleUp.result('decisionBoundSeconds');
      expect(afterMs, `decided ${seconds(afterMs)} s after the load started; bound ${bound} s + ${DECISION_SLACK_SECONDS} s`).toBeLessThanOrEqual((bound + DECISION_SLACK_SECONDS) * 1000);
    });

    it('scales the Deployment out as decided', () => {
      expect(scaleUp.result('scaledTo')).toBeGreaterThan(1);
    });
  });

  describe(`${REPLICAS} replicas over ${TICKS} ticks`, () => {
    const ticks = phase<{ pods: string[]; ticks: number; ran: Record<TaskType, number>; seenByPod: Record<string, Record<TaskType, number>> }>(
      'once-per-tick',
      {},
      async ({ step, results, figure }) => {
        // The HPA held at REPLICAS from here on (it would go on to 5 under the load), and the load taken off: replicas
        // busy spinning answer their scrapes late, and what is counted here is who runs a tick, not how long it takes.
        await step(`the HPA held at ${REPLICAS} replicas, tasks back to normal`, async () => {
          await setHpaBounds(clients, namespace, WORKER, { min: REPLICAS, max: REPLICAS });
          await scaleDeployment(clients, namespace, WORKER, REPLICAS);
          await redisCli(clients, namespace, ['DEL', redisKeys.testTaskCpuMs]);
        });
        await step(`${REPLICAS} replicas ready`, () => waitForRollout(clients, namespace, WORKER, 90_000, diagnostics));
        const pods = await step(`list the ${REPLICAS} ready replicas`, async () => {
          const ready = await readyPods();
          if (ready.length !== REPLICAS) throw new Error(`${ready.length} ready replicas, not ${REPLICAS}: ${ready.join(', ')}`);
          return ready;
        });
        results.pods = pods;
        // Every replica's counters, read half-way between two ticks, when each has taken or lost its locks for the last
        // tick (a run in progress counts as taken); a round that crosses a tick is read again at the next half-way.
        const scrapeBetweenTicks = async (): Promise<{ tick: number; counts: Map<string, TickCounts> }> => {
          for (let attempt = 1; ; attempt += 1) {
            await sleepUntilIntoTick(TICK_MS / 2);
            const tick = Math.floor(Date.now() / TICK_MS);
            const counts = new Map(await Promise.all(pods.map(async (pod) => [pod, tickCounts(await scrapePod(clients, { namespace, pod, port: WORKER_PORT }))] as const)));
            if (Math.floor(Date.now() / TICK_MS) === tick) return { tick, counts };
            if (attempt === 3) throw new Error(`three rounds of scrapes of the ${REPLICAS} replicas each crossed a tick`);
          }
        };
        const before = await step("scrape every replica's counters between two ticks", scrapeBetweenTicks);
        await sleep((TICKS - 1) * TICK_MS);
        const after = await step(`scrape them again ${TICKS} ticks later`, scrapeBetweenTicks);
        results.ticks = after.tick - before.tick;
        const delta = (pod: string, kind: keyof TickCounts, type: TaskType) => after.counts.get(pod)![kind][type] - before.counts.get(pod)![kind][type];
        results.ran = Object.fromEntries(TASK_TYPES.map((type) => [type, pods.reduce((sum, pod) => sum + delta(pod, 'ran', type), 0)])) as Record<TaskType, number>;
        results.seenByPod = Object.fromEntries(
          pods.map((pod) => [pod, Object.fromEntries(TASK_TYPES.map((type) => [type, delta(pod, 'ran', type) + delta(pod, 'skipped', type)]))]),
        ) as Record<string, Record<TaskType, number>>;
        figure('ticks', results.ticks);
        figure('runsPerType', TASK_TYPES.map((type) => `${type}:${results.ran![type]}`).join(' '));
        figure('runsPerReplica', pods.map((pod) => `${pod}:${TASK_TYPES.reduce((sum, type) => sum + delta(pod, 'ran', type), 0)}`).join(' '));
      },
    );

    it(`runs each tick of each task type once across the ${REPLICAS} replicas: their counters add up to one run a tick`, () => {
      const counted = ticks.result('ticks');
      expect(counted, 'ticks between the two readings').toBeGreaterThanOrEqual(TICKS);
      expect(ticks.result('ran'), `runs per task type over ${counted} ticks`).toEqual(Object.fromEntries(TASK_TYPES.map((type) => [type, counted])));
    });

    it('has every replica take part in every tick: it ran it or left it to another (skipped)', () => {
      const seen = ticks.result('seenByPod');
      const counted = ticks.result('ticks');
      for (const pod of ticks.result('pods')) expect(seen[pod], pod).toEqual(Object.fromEntries(TASK_TYPES.map((type) => [type, counted])));
    });
  });

  describe('a scale-down to 1 while the replicas work', () => {
    const scaleDown = phase<{ reports: DoneReport[]; missing: string[]; chosen: string[]; removed: string[]; doneWhileRemoved: number }>(
      'scale-down',
      {},
      async ({ step, record, results, figure, onTeardown }) => {
        onTeardown('tasks back to normal', () => redisCli(clients, namespace, ['DEL', redisKeys.testTaskCpuMs]));
        // CPU-heavy tasks again, so that the removed replicas are busy when they are told to stop.
        await step(`every task run spins ${SCALE_DOWN_TASK_CPU_MS} ms of CPU`, () => redisCli(clients, namespace, ['SET', redisKeys.testTaskCpuMs, String(SCALE_DOWN_TASK_CPU_MS)]));
        const before = await step('the replicas before the scale-down', async () => (await livePods(clients, worker)).map((pod) => pod.metadata!.name!));
        record(worker);
        // Which replicas Kubernetes removes is its choice, and which replica wins a tick is a race: the survivor may win
        // every tick until the others stop. So the replicas busy with the last tick's runs are the ones removed
        // (pod-deletion-cost): they hold all of its runs but at most one, seconds of work that end after the scale-down.
        const holders = await step("the replicas running the last tick's tasks", async () => {
          for (let attempt = 1; ; attempt += 1) {
            await sleepUntilIntoTick(300);
            const tickMs = Math.floor(Date.now() / TICK_MS) * TICK_MS;
            const output = await redisCli(clients, namespace, ['MGET', ...TASK_TYPES.map((type) => redisKeys.tickLock(type, tickMs))]);
            const held = output.split('\n').map((line) => line.trim()).filter((line) => before.includes(line));
            if (held.length >= 2) return held;
            if (attempt === 3) throw new Error(`three ticks in a row with fewer than 2 of their ${TASK_TYPES.length} runs taken 300 ms in: ${output}`);
          }
        });
        const runsOf = (pod: string) => holders.filter((holder) => holder === pod).length;
        const survivor = [...before].sort((a, b) => runsOf(a) - runsOf(b))[0]!;
        results.chosen = before.filter((pod) => pod !== survivor).sort();
        figure('lastTickRuns', `${TASK_TYPES.length} runs: ${before.map((pod) => `${pod}:${runsOf(pod)}`).join(' ')}`);
        await step(`${survivor} kept: a higher deletion cost than the others`, () => setPodDeletionCost(clients, namespace, survivor, 1000));
        const scaledAt = Date.now();
        await step('scaled to 1 (the HPA held at 1, the Deployment scaled)', async () => {
          await setHpaBounds(clients, namespace, WORKER, { min: 1, max: 1 });
          await scaleDeployment(clients, namespace, WORKER, 1);
        });
        const removed = await step('the replicas being removed', async () => {
          await pollUntil(`${before.length - 1} replicas shutting down`, async () => (await livePods(clients, worker)).length === 1, { timeoutMs: 15_000, intervalMs: 250 });
          const left = new Set((await livePods(clients, worker)).map((pod) => pod.metadata!.name!));
          return before.filter((pod) => !left.has(pod)).sort();
        });
        results.removed = removed;
        // From their first line: their preStop sleep (5 s) leaves time to start following before they stop.
        const logs: FollowedLog[] = await step("follow the removed replicas' logs", () => Promise.all(removed.map((pod) => followLog(clients, { namespace, pod, container: WORKER }))));
        await step('the removed replicas have exited', () => Promise.all(logs.map((log) => log.ended)), { timeoutMs: 60_000 });
        figure('scaleDownSeconds', seconds(Date.now() - scaledAt));
        const reports = removed.flatMap((pod, index) => doneReports(pod, logs[index]!.lines()));
        results.reports = reports;
        const doneWhileRemoved = reports.filter((report) => report.at >= scaledAt);
        results.doneWhileRemoved = doneWhileRemoved.length;
        const keys = [...new Set(reports.map((report) => redisKeys.outcomeRecorded(report.task, report.tickMs)))];
        const missingKeys = `local missing = {} for _, key in ipairs(KEYS) do if redis.call('EXISTS', key) == 0 then table.insert(missing, key) end end return missing`;
        const output = await step('look up each reported run in Redis', () => redisCli(clients, namespace, ['EVAL', missingKeys, String(keys.length), ...keys]));
        results.missing = output.split('\n').map((line) => line.trim()).filter((line) => line.length > 0);
        figure('reportedDone', `${reports.length} runs by the removed replicas, ${doneWhileRemoved.length} of them after the scale-down began`);
        if (doneWhileRemoved.length > 0) figure('lastDoneAfterScaleDownSeconds', seconds(Math.max(...doneWhileRemoved.map((report) => report.at)) - scaledAt));
      },
    );

    it('loses no task a removed replica reported done: each is recorded in Redis (its outcome is counted)', () => {
      const reports = scaleDown.result('reports');
      expect(reports.length, 'runs reported done by the removed replicas').toBeGreaterThan(0);
      expect(scaleDown.result('missing'), `reported done but not recorded, of ${reports.length}`).toEqual([]);
    });

    it('removes the replicas of lower deletion cost: those busy with the last tick', () => {
      expect(scaleDown.result('removed')).toEqual(scaleDown.result('chosen'));
    });

    it('scaled down while the removed replicas worked: they reported runs done after the scale-down began', () => {
      expect(scaleDown.result('removed')).toHaveLength(REPLICAS - 1);
      expect(scaleDown.result('doneWhileRemoved')).toBeGreaterThan(0);
    });
  });
});
