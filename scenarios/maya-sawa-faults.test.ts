import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { JobListSchema, JobSchema, mayaSawaContract, WebInfoSchema, type Job, type JobKind, type WebInfo } from '../contracts/maya-sawa.js';
import { openAiStandInContract, type KeyLog, type RequestLog } from '../contracts/openai-stand-in.js';
import { AiStandInControl } from '../harness/ai-stand-in.js';
import { assessApiReferences } from '../harness/api-references.js';
import { printDiagnosticsOnFailure } from '../harness/diagnostics-on-failure.js';
import { useFigures } from '../harness/figures.js';
import { applyObjects } from '../harness/kube/apply.js';
import { cutServiceOff } from '../harness/kube/cut-service.js';
import { namespaceDiagnostics } from '../harness/kube/diagnostics.js';
import { killContainer } from '../harness/kube/kill-container.js';
import { discardNamespace, waitUntilNotTerminating } from '../harness/kube/namespaces.js';
import { waitForEndpoints, waitForPods } from '../harness/kube/wait-for.js';
import { podReady } from '../harness/kube/workload-state.js';
import { appSelector, livePods, type Workload } from '../harness/kube/workload.js';
import { describeLoad } from '../harness/load/constant-load.js';
import type { PhaseBody } from '../harness/phase/run-phase.js';
import { usePhase } from '../harness/phase/use-phase.js';
import { seconds } from '../harness/seconds.js';
import { MAYA_SAWA_NODE_PORTS, MAYA_SAWA_IMAGES } from '../harness/system.js';
import { useOwnNode } from '../harness/own-node.js';
import { useCluster } from '../harness/use-cluster.js';

// maya-sawa-v2's fault handling, on the real cluster, in its own namespace (the test-only faults overlay). First the
// API references web and the stand-in serve, in a browser, while both are healthy; then the faults: an AI
// provider outage leaves web in rotation and loses no job; a 429 is retried after Retry-After and no sooner; a
// crashed worker container is restarted alone; a replaced pod re-runs its init containers safely, and heals by itself
// when PostgreSQL is unreachable as it starts.
const SCENARIO = 'maya-sawa-faults';
const NAMESPACE = 'maya-sawa-faults';
const APP = 'maya-sawa-v2';
const OUTAGE_MS = 20_000;
const RETRY_AFTER_SECONDS = 3;
const workload: Workload = { namespace: NAMESPACE, deployment: APP, service: 'maya-sawa-web', podSelector: appSelector(APP) };

const status = (statuses: V1ContainerStatus[] | undefined, name: string): V1ContainerStatus => {
  const found = statuses?.find((s) => s.name === name);
  if (!found) throw new Error(`no status for container ${name}`);
  return found;
};
const restartsOf = (pod: V1Pod, container: string): number => status(pod.status?.containerStatuses, container).restartCount;
const at = (value: Date | string | undefined): number => new Date(value ?? Number.NaN).getTime();

describe('maya-sawa-v2 fault handling: the AI provider, a crashed container, a replaced pod', () => {
  const cluster = useCluster();
  const { clients } = cluster;
  const node = useOwnNode(cluster, SCENARIO, MAYA_SAWA_IMAGES);
  const figures = useFigures(SCENARIO);
  const diagnostics = () => namespaceDiagnostics(clients, NAMESPACE);
  const phase = <R extends object>(name: string, body: PhaseBody<R>) => usePhase<R>({ scenario: SCENARIO, clients, figures }, name, {}, body);
  let web: string;
  let provider: AiStandInControl;

  const thePod = async (): Promise<V1Pod> => {
    const pods = await livePods(clients, workload);
    if (pods.length !== 1) throw new Error(`expected one ${APP} pod, found ${pods.length}`);
    return pods[0]!;
  };
  const submit = async (kind: JobKind, text: string): Promise<Job> => {
    const response = await fetch(`${web}/api/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text, kind }) });
    if (response.status !== 202) throw new Error(`POST /api/jobs answered ${response.status}: ${await response.text()}`);
    return JobSchema.parse(await response.json());
  };
  const allJobs = async (): Promise<Job[]> => JobListSchema.parse(await (await fetch(`${web}/api/jobs?limit=100`)).json()).jobs;
  /** Waits until every job of `ids` is done; returns them. A job that failed is named in the timeout's error. */
  const jobsDone = (ids: string[], timeoutMs: number): Promise<Job[]> =>
    vi.waitFor(
      async () => {
        const jobs = (await allJobs()).filter((job) => ids.includes(job.id));
        const failed = jobs.filter((job) => job.status === 'failed');
        if (failed.length > 0) throw new Error(`jobs failed: ${failed.map((job) => `${job.id} (${job.error})`).join(', ')}`);
        expect(jobs.filter((job) => job.status === 'done').map((job) => job.id).sort()).toEqual([...ids].sort());
        return jobs;
      },
      { timeout: timeoutMs, interval: 1_000 },
    );
  const info = async (): Promise<WebInfo> => WebInfoSchema.parse(await (await fetch(`${web}/api/info`, { signal: AbortSignal.timeout(3_000) })).json());
  const keyLogs = (log: RequestLog, ids: string[]): Record<string, KeyLog | undefined> => Object.fromEntries(ids.map((id) => [id, log.keys[id]]));

  beforeAll(async () => {
    const started = Date.now();
    await waitUntilNotTerminating(clients, NAMESPACE);
    await applyObjects(clients, node.place(await cluster.render('manifests/maya-sawa/overlays/faults')));
    await cluster.waitForDeployments(NAMESPACE, 240_000);
    web = cluster.nodePortUrl(MAYA_SAWA_NODE_PORTS.faults);
    provider = new AiStandInControl(cluster.nodePortUrl(MAYA_SAWA_NODE_PORTS.faultsAiProvider));
    // Available is not yet routed: kube-proxy programs the NodePorts a moment after the endpoints turn ready.
    await vi.waitFor(async () => {
      expect((await fetch(`${web}/healthz`)).status).toBe(200);
      await provider.requestLog();
    }, { timeout: 30_000, interval: 500 });
    figures['deployed (s)'] = seconds(Date.now() - started);
  });
  // The namespace finishes terminating in the background (a run of this file right after waits for it).
  afterAll(() => discardNamespace(clients, NAMESPACE));
  printDiagnosticsOnFailure(clients, NAMESPACE);

  // First, while web and the stand-in are healthy: the API reference each serves, opened from the cluster through
  // their NodePorts (the monitoring system's pages: scenarios/dashboard-browser.test.ts).
  describe('API reference: web and the OpenAI stand-in render their own contracts at /docs', () => {
    assessApiReferences(
      (body) => phase('api-reference', body),
      [
        { service: 'maya-sawa', contract: mayaSawaContract, url: () => web, tryIt: 'GET /api/info' },
        { service: 'openai-stand-in', contract: openAiStandInContract, url: () => provider.url, tryIt: 'GET /health/live' },
      ],
    );
  });

  describe('the AI provider is down for 20 s under load on web', () => {
    interface Outage {
      before: V1Pod;
      after: V1Pod;
      syncAnswer: { status: number; body: unknown };
      ids: string[];
      backAt: number;
      jobs: Job[];
      log: RequestLog;
    }
    const outage = phase<Outage>('provider-outage', async ({ step, record, load, results, figure, onTeardown }) => {
      results.before = await step('read the pod', thePod);
      record(workload);
      await load({ url: `${web}/api/jobs?limit=5`, rate: 20, connections: 2, baseline: 40, maxSeconds: 150 });
      onTeardown('the provider is normal', () => provider.setMode({ mode: 'normal' }));
      await step('the provider goes down', () => provider.setMode({ mode: 'down' }));
      const downAt = Date.now();
      results.ids = await step(`summarise jobs submitted through ${OUTAGE_MS / 1000} s of outage, one every 2 s`, async () => {
        const ids: string[] = [];
        for (let i = 0; Date.now() - downAt < OUTAGE_MS - 2_000; i += 1) {
          ids.push((await submit('summarise', `outage job ${i}: the provider is down and this job must still be done, once.`)).id);
          await sleep(2_000);
        }
        return ids;
      });
      results.syncAnswer = await step('a synchronous summary while the provider is down', async () => {
        const response = await fetch(`${web}/api/summaries`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'now, please' }) });
        return { status: response.status, body: (await response.json()) as unknown };
      });
      await step('the outage lasts its 20 s', () => sleep(Math.max(0, OUTAGE_MS - (Date.now() - downAt))));
      await step('the provider is back', () => provider.setMode({ mode: 'normal' }));
      results.backAt = Date.now();
      figure('outageSeconds', seconds(results.backAt - downAt));
      results.jobs = await step('every job submitted meanwhile is done', () => jobsDone(results.ids!, 60_000));
      figure('jobsDoneSecondsAfterReturn', seconds(Math.max(...results.jobs.map((job) => at(job.finishedAt!))) - results.backAt));
      results.log = await step("read the provider's request log", () => provider.requestLog());
      results.after = await step('read the pod again', thePod);
    });

    it('keeps web ready and in the Service throughout: its readiness does not depend on the provider', () => {
      expect(outage.result('minReadyEndpoints'), 'ready endpoints of maya-sawa-web at their lowest').toBeGreaterThanOrEqual(1);
      expect(outage.result('minReady').ready, 'ready replicas at their lowest').toBe(1);
    });

    it('never restarts web', () => {
      expect(restartsOf(outage.result('after'), 'web')).toBe(restartsOf(outage.result('before'), 'web'));
    });

    it('fails no request to web under load meanwhile', () => {
      const load = outage.result('load');
      expect(load.sent).toBeGreaterThan(300);
      expect(load.non2xx + load.errors, describeLoad(load)).toBe(0);
    });

    it("answers web's synchronous summary with 503 and a JSON body while the provider is down", () => {
      expect(outage.result('syncAnswer')).toEqual({ status: 503, body: { error: 'ai_unavailable', message: expect.stringMatching(/could not be reached/) } });
    });

    it('completes every job submitted meanwhile once the provider is back, each tried during the outage', () => {
      const [jobs, backAt, log] = [outage.result('jobs'), outage.result('backAt'), outage.result('log')];
      expect(jobs.length, 'jobs submitted during the outage').toBeGreaterThanOrEqual(8);
      for (const job of jobs) {
        expect(job.summary?.summary, job.id).toMatch(/^Summary \(\d+ words\): outage job \d+ /);
        // PostgreSQL's clock and this process's are the same machine's; a second of slack for the rounding.
        expect(at(job.finishedAt!), `${job.id} finished after the provider returned`).toBeGreaterThanOrEqual(backAt - 1_000);
        expect(log.keys[job.id]?.answers.map((answer) => answer.status), `${job.id} was tried while the provider was down`).toContain('reset');
      }
    });

    it('has each of them done exactly once, counted at the provider (one completion per job id, no replay)', () => {
      const logs = keyLogs(outage.result('log'), outage.result('ids'));
      for (const [id, log] of Object.entries(logs)) expect({ id, completed: log?.completed, replayed: log?.replayed }).toEqual({ id, completed: 1, replayed: 0 });
    });
  });

  describe('the provider answers 429 with Retry-After', () => {
    const rateLimit = phase<{ answers: KeyLog['answers'] }>('rate-limit', async ({ step, results, figure }) => {
      await step(`the provider answers the next request 429, Retry-After ${RETRY_AFTER_SECONDS} s`, () => provider.setMode({ mode: 'rate-limit', retryAfterSeconds: RETRY_AFTER_SECONDS, times: 1 }));
      const job = await step('a summarise job submitted', () => submit('summarise', 'rate limited, then answered'));
      await step('the job is done', () => jobsDone([job.id], 30_000));
      results.answers = (await step("read the provider's request log", () => provider.requestLog())).keys[job.id]?.answers ?? [];
      const [limited, answered] = results.answers;
      if (limited && answered) figure('retriedAfterSeconds', seconds(answered.at - limited.at));
    });

    it('is retried after Retry-After and no sooner (and not much later)', () => {
      const answers = rateLimit.result('answers');
      expect(answers.map((answer) => answer.status)).toEqual([429, 200]);
      const waited = answers[1]!.at - answers[0]!.at;
      expect(waited, `retried ${waited} ms after the 429`).toBeGreaterThanOrEqual(RETRY_AFTER_SECONDS * 1_000);
      expect(waited, `retried ${waited} ms after the 429`).toBeLessThan(RETRY_AFTER_SECONDS * 1_000 + 3_000);
    });
  });

  describe('the worker container is killed (SIGKILL) under load on web', () => {
    const crash = phase<{ before: V1Pod; after: V1Pod }>('worker-crash', async ({ step, record, load, moreRequests, results, figure }) => {
      const before = (results.before = await step('read the pod', thePod));
      record(workload);
      await load({ url: `${web}/api/jobs?limit=5`, rate: 20, connections: 2, baseline: 40, maxSeconds: 60 });
      await step('SIGKILL the worker container', () => killContainer(cluster, before, 'worker'));
      const killedAt = Date.now();
      await step('the kubelet restarts it', () =>
        waitForPods(clients, { namespace: NAMESPACE, labelSelector: workload.podSelector }, 'worker restarted and running', (pods) =>
          pods.some((pod) => pod.metadata?.uid === before.metadata?.uid && restartsOf(pod, 'worker') > restartsOf(before, 'worker') && podReady(pod)),
        30_000, diagnostics),
      );
      figure('workerBackSeconds', seconds(Date.now() - killedAt));
      await moreRequests(60);
      results.after = await step('read the pod again', thePod);
    });

    it("raises the worker's restartCount by one, after an exit by SIGKILL", () => {
      const [before, after] = [crash.result('before'), crash.result('after')];
      expect(restartsOf(after, 'worker')).toBe(restartsOf(before, 'worker') + 1);
      expect(status(after.status?.containerStatuses, 'worker').lastState?.terminated?.exitCode, 'exit code 128 + SIGKILL').toBe(137);
    });

    it("leaves web's restartCount as it was", () => {
      expect(restartsOf(crash.result('after'), 'web')).toBe(restartsOf(crash.result('before'), 'web'));
    });

    it('fails no request to web meanwhile (on the connections the clients hold)', () => {
      const load = crash.result('load');
      expect(load.sent).toBeGreaterThan(100);
      expect(load.non2xx + load.errors, describeLoad(load)).toBe(0);
      // A pod is ready only while every container is: until the worker runs again, the pod is out of the Service's
      // endpoints, so new connections would find none (the split form does not have this). Reported, not asserted.
      console.log(`[${SCENARIO}] worker-crash: ready endpoints of maya-sawa-web at their lowest: ${crash.result('minReadyEndpoints')}`);
    });

    it('never recreates the pod (same uid, same name)', () => {
      const [before, after] = [crash.result('before'), crash.result('after')];
      expect({ uid: after.metadata?.uid, name: after.metadata?.name }).toEqual({ uid: before.metadata?.uid, name: before.metadata?.name });
    });
  });

  describe('the pod is deleted while PostgreSQL is unreachable', () => {
    interface Replacement {
      oldPod: string;
      jobsBefore: Job[];
      failedPod: V1Pod;
      failure: { exitCode: number; finishedAt: number };
      migrateLog: string;
      restoredAt: number;
      readyAfterMs: number;
      pod: V1Pod;
      info: WebInfo;
      jobsAfter: Job[];
    }
    const replaced = phase<Replacement>('pod-replaced-postgres-unreachable', async ({ step, results, figure, onTeardown }) => {
      results.jobsBefore = await step('list the jobs', allJobs);
      results.oldPod = (await step('read the pod', thePod)).metadata!.name!;
      const restore = await step('cut the postgres Service off', () => cutServiceOff(clients, NAMESPACE, 'postgres'));
      onTeardown('postgres Service restored', restore);
      await step('postgres has no endpoints', () => waitForEndpoints(clients, { namespace: NAMESPACE, service: 'postgres' }, 'none', (ready) => ready.length === 0, 30_000));
      await step(`delete ${results.oldPod}`, () => clients.core.deleteNamespacedPod({ name: results.oldPod!, namespace: NAMESPACE }));
      const isReplacement = (pod: V1Pod) => pod.metadata?.name !== results.oldPod && !pod.metadata?.deletionTimestamp;
      // The kubelet restarts a failed init container at once the first time, then after a back-off (10 s, doubling):
      // PostgreSQL stays away until migrate has failed twice, so the attempt that finds it comes after the back-off.
      const failure = await step("the replacement's migrate fails, is restarted, and fails again", async () => {
        const failedAttempt = (pod: V1Pod) => {
          const migrate = pod.status?.initContainerStatuses?.find((s) => s.name === 'migrate');
          if (!migrate || migrate.restartCount < 1) return undefined;
          if (migrate.state?.terminated?.exitCode === 1) return migrate.state.terminated;
          return migrate.state?.waiting && migrate.lastState?.terminated?.exitCode === 1 ? migrate.lastState.terminated : undefined;
        };
        const pods = await waitForPods(clients, { namespace: NAMESPACE, labelSelector: workload.podSelector }, 'migrate failed twice', (pods) => pods.some((pod) => isReplacement(pod) && failedAttempt(pod)), 90_000, diagnostics);
        const pod = pods.find((candidate) => isReplacement(candidate) && failedAttempt(candidate))!;
        const attempt = failedAttempt(pod)!;
        // Read now: once migrate has succeeded, the kubelet keeps no earlier attempt to read.
        const previous = status(pod.status?.initContainerStatuses, 'migrate').state?.terminated === undefined;
        const log = await clients.core.readNamespacedPodLog({ name: pod.metadata!.name!, namespace: NAMESPACE, container: 'migrate', previous });
        return { pod, exitCode: attempt.exitCode, finishedAt: at(attempt.finishedAt), log };
      });
      results.failedPod = failure.pod;
      results.failure = { exitCode: failure.exitCode, finishedAt: failure.finishedAt };
      results.migrateLog = failure.log;
      const failed = failure.pod.metadata!.name!;
      await step('restore the postgres Service', restore);
      results.restoredAt = Date.now();
      // Nobody acts from here: the kubelet's next restart of migrate finds PostgreSQL.
      results.pod = await step('the replacement becomes ready by itself', async () => {
        const pods = await waitForPods(clients, { namespace: NAMESPACE, labelSelector: workload.podSelector }, `${failed} ready`, (pods) => pods.some((pod) => pod.metadata?.name === failed && podReady(pod)), 120_000, diagnostics);
        return pods.find((pod) => pod.metadata?.name === failed)!;
      });
      results.readyAfterMs = Date.now() - results.restoredAt;
      figure('readySecondsAfterPostgres', seconds(results.readyAfterMs));
      const migrate = status(results.pod.status?.initContainerStatuses, 'migrate');
      figure('migrateRestarts', migrate.restartCount);
      figure('migrateRetrySeconds', seconds(at(migrate.state?.terminated?.startedAt) - failure.finishedAt));
      results.info = await step('web answers through its NodePort', () => vi.waitFor(info, { timeout: 30_000, interval: 500 }));
      results.jobsAfter = await step('list the jobs again', allJobs);
    });

    it("fails the replacement's migrate while PostgreSQL is unreachable (exit 1, naming the database), and the kubelet retries it with its back-off", () => {
      const migrate = status(replaced.result('pod').status?.initContainerStatuses, 'migrate');
      const failure = replaced.result('failure');
      expect(failure.exitCode, 'the failed attempt').toBe(1);
      expect(replaced.result('migrateLog')).toMatch(/the database did not accept connections within 2 s/);
      expect(migrate.restartCount, 'restarts of migrate').toBeGreaterThanOrEqual(2);
      expect(migrate.state?.terminated?.exitCode, 'the attempt that succeeded').toBe(0);
      // The back-off after the second failure is 10 s; the kubelet's times are to the second.
      const retriedAfter = at(migrate.state?.terminated?.startedAt) - failure.finishedAt;
      expect(retriedAfter, `migrate was started again ${retriedAfter} ms after its second failure`).toBeGreaterThanOrEqual(9_000);
    });

    it('starts that same pod once PostgreSQL is back, with nobody acting (no new pod)', () => {
      const pod = replaced.result('pod');
      expect(pod.metadata?.uid).toBe(replaced.result('failedPod').metadata?.uid);
      expect(podReady(pod)).toBe(true);
      expect(replaced.result('info').pod).toBe(pod.metadata?.name);
    });

    it('re-ran migrate, which applied nothing new and recorded that it did nothing', () => {
      const { schema } = replaced.result('info');
      const pod = replaced.result('pod').metadata!.name!;
      expect(schema.version).toBe(schema.required);
      expect(schema.runs[0]).toMatchObject({ ranBy: pod, applied: [], version: schema.required });
      expect(schema.runs.find((run) => run.ranBy === replaced.result('oldPod')), 'the first pod ran it too, before').toBeDefined();
    });

    it('ran collectstatic again after migrate, and both before web started', () => {
      const pod = replaced.result('pod');
      const [migrate, collectstatic] = ['migrate', 'collectstatic'].map((name) => status(pod.status?.initContainerStatuses, name).state?.terminated);
      expect([migrate?.exitCode, collectstatic?.exitCode]).toEqual([0, 0]);
      expect(at(migrate?.finishedAt)).toBeLessThanOrEqual(at(collectstatic?.startedAt));
      expect(at(status(pod.status?.containerStatuses, 'web').state?.running?.startedAt)).toBeGreaterThanOrEqual(at(collectstatic?.finishedAt));
      const { staticAssets, startedAt } = replaced.result('info');
      expect(at(staticAssets?.builtAt), 'static assets built for this pod').toBeGreaterThanOrEqual(at(pod.metadata?.creationTimestamp));
      expect(at(staticAssets?.builtAt)).toBeLessThan(at(startedAt));
    });

    it('loses no data: every job from before is there, as it was', () => {
      const before = replaced.result('jobsBefore');
      expect(before.length).toBeGreaterThanOrEqual(8);
      const after = new Map(replaced.result('jobsAfter').map((job) => [job.id, job]));
      for (const job of before) expect(after.get(job.id), job.id).toEqual(job);
    });
  });
});
