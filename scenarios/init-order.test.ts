import type { KubernetesObject, V1ContainerStatus, V1Deployment, V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { JobListSchema, JobSchema, WebInfoSchema, type Job } from '../contracts/maya-sawa.js';
import { printDiagnosticsOnFailure } from '../harness/diagnostics-on-failure.js';
import { useFigures } from '../harness/figures.js';
import { applyObjects } from '../harness/kube/apply.js';
import { namespaceDiagnostics } from '../harness/kube/diagnostics.js';
import { deleteNamespaceNow } from '../harness/kube/namespaces.js';
import { waitForPods } from '../harness/kube/wait-for.js';
import { appSelector, livePods } from '../harness/kube/workload.js';
import { seconds } from '../harness/seconds.js';
import { MAYA_SAWA_IMAGES, MAYA_SAWA_NODE_PORTS } from '../harness/system.js';
import { useOwnNode } from '../harness/own-node.js';
import { useCluster } from '../harness/use-cluster.js';

// maya-sawa-v2 on the real cluster: its init containers (migrate, then collectstatic) run in order and to
// completion before web and worker start; a failed migration keeps the pod in Init and serving nothing; jobs flow
// from web through the maya_v2 queue to the worker; the split form scales its workers without touching web.
const NAMESPACE = 'maya-sawa';
const SPLIT_NAMESPACE = 'maya-sawa-split';
const OVERLAYS = 'manifests/maya-sawa/overlays';

describe('init order: maya-sawa-v2 migrates, then collects static files, then serves', () => {
  const cluster = useCluster();
  const { clients } = cluster;
  const node = useOwnNode(cluster, 'init-order', MAYA_SAWA_IMAGES);
  const timings = useFigures('init-order');

  /** Renders an overlay with every image pointed at what was loaded into the cluster, optionally edits it, applies it. */
  async function applyOverlay(overlay: string, edit: (objects: KubernetesObject[]) => void = () => undefined): Promise<void> {
    const objects = node.place(await cluster.render(`${OVERLAYS}/${overlay}`));
    edit(objects);
    await applyObjects(cluster.clients, objects);
  }

  const timed = async <T>(label: string, action: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    try {
      return await action();
    } finally {
      timings[`${label} (s)`] = seconds(Date.now() - started);
    }
  };

  const pods = (namespace: string, app: string): Promise<V1Pod[]> => livePods(clients, { namespace, podSelector: appSelector(app) });

  /** Waits (watch, deadline) until the app's pods that are not shutting down satisfy a condition. */
  const waitForAppPods = (namespace: string, app: string, what: string, satisfied: (pods: V1Pod[]) => boolean, timeoutMs = 240_000) =>
    waitForPods(clients, { namespace, labelSelector: appSelector(app) }, what, (all) => satisfied(all.filter((pod) => !pod.metadata?.deletionTimestamp)), timeoutMs, () =>
      namespaceDiagnostics(clients, namespace),
    );

  const status = (statuses: V1ContainerStatus[] | undefined, name: string): V1ContainerStatus => {
    const found = statuses?.find((s) => s.name === name);
    if (!found) throw new Error(`no status for container ${name}`);
    return found;
  };

  /** The split form comes up in its own namespace while the single-pod tests run (its test awaits it). */
  let splitApplied: Promise<void>;

  beforeAll(async () => {
    splitApplied = applyOverlay('split', (objects) => {
      // Each job takes at least 300 ms here, so a burst of jobs cannot be drained by one worker alone.
      const worker = objects.find((o) => o.kind === 'Deployment' && o.metadata?.name === 'maya-sawa-worker') as V1Deployment;
      worker.spec!.template.spec!.containers[0]!.env!.push({ name: 'WORKER_MIN_JOB_MS', value: '300' });
    });
    splitApplied.catch(() => undefined); // reported by the split test, which awaits it
  });

  afterAll(async () => {
    await timed('namespaces deleted', () => Promise.all([NAMESPACE, SPLIT_NAMESPACE].map((name) => deleteNamespaceNow(clients, name))));
  });

  printDiagnosticsOnFailure(clients, NAMESPACE);

  describe('single pod', () => {
    let url: string;

    it('with a failing migration, the pod stays in Init: collectstatic, web and worker never start, nothing is served', async () => {
      await timed('failed migrate observed', async () => {
        await applyOverlay('failing-migrate');
        url = cluster.nodePortUrl(MAYA_SAWA_NODE_PORTS.singlePod);
        // Wait for migrate to have failed (exit 1) and been restarted by the kubelet: the pod must still be in Init.
        await waitForAppPods(NAMESPACE, 'maya-sawa-v2', 'migrate to fail and be restarted', (all) =>
          all.some((pod) => {
            const migrate = pod.status?.initContainerStatuses?.find((s) => s.name === 'migrate');
            return (migrate?.restartCount ?? 0) >= 1 && migrate?.lastState?.terminated?.exitCode === 1;
          }),
        );
      });
      const [pod] = await pods(NAMESPACE, 'maya-sawa-v2');
      expect(pod?.spec?.initContainers?.map((c) => c.name)).toEqual(['migrate', 'collectstatic']);
      expect(pod?.status?.phase).toBe('Pending');
      const collectstatic = status(pod!.status?.initContainerStatuses, 'collectstatic');
      expect(collectstatic.state?.waiting?.reason, 'collectstatic never started').toBe('PodInitializing');
      for (const name of ['web', 'worker']) {
        const main = status(pod!.status?.containerStatuses, name);
        expect(main.state?.running, `${name} never started`).toBeUndefined();
        expect(main.state?.waiting?.reason, name).toBe('PodInitializing');
        expect(main.restartCount).toBe(0);
      }
      expect(pod!.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');

      const log = await clients.core.readNamespacedPodLog({ name: pod!.metadata!.name!, namespace: NAMESPACE, container: 'migrate', previous: true });
      expect(log).toMatch(/migration 0003_jobs_kind_summary failed and was rolled back; the schema stays at version 2: injected failure/);

      const slices = await clients.discovery.listNamespacedEndpointSlice({ namespace: NAMESPACE, labelSelector: 'kubernetes.io/service-name=maya-sawa-web' });
      expect(slices.items.flatMap((slice) => slice.endpoints ?? []).filter((e) => e.conditions?.ready)).toEqual([]);
      await expect(fetch(`${url}/api/info`, { signal: AbortSignal.timeout(3000) })).rejects.toThrow();
    });

    it('once the fault is fixed (single-pod applied), the pod starts and serves', async () => {
      await timed('fixed pod available', async () => {
        await applyOverlay('single-pod');
        await cluster.waitForDeployments(NAMESPACE, 240_000);
      });
      // Available is not yet routed: kube-proxy programs the NodePort a moment after the endpoint turns ready.
      const info = await vi.waitFor(async () => WebInfoSchema.parse(await (await fetch(`${url}/api/info`)).json()), { timeout: 30_000, interval: 500 });
      expect(info.schema.version).toBe(info.schema.required);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    });

    it('ran migrate to completion before collectstatic started, and both before web and worker (pod status)', async () => {
      const all = await pods(NAMESPACE, 'maya-sawa-v2');
      expect(all).toHaveLength(1);
      const pod = all[0]!;
      const [migrate, collectstatic] = ['migrate', 'collectstatic'].map((name) => status(pod.status?.initContainerStatuses, name).state?.terminated);
      expect(migrate?.exitCode).toBe(0);
      expect(collectstatic?.exitCode).toBe(0);
      expect(pod.spec?.initContainers?.map((c) => c.name)).toEqual(['migrate', 'collectstatic']);
      // Kubernetes reports these to the second: "not after" is what the resolution allows.
      const at = (value: Date | string | undefined) => new Date(value ?? Number.NaN).getTime();
      expect(at(migrate?.finishedAt)).toBeLessThanOrEqual(at(collectstatic?.startedAt));
      for (const name of ['web', 'worker']) {
        const running = status(pod.status?.containerStatuses, name).state?.running;
        expect(running, `${name} running`).toBeDefined();
        expect(at(running?.startedAt), `${name} started after collectstatic finished`).toBeGreaterThanOrEqual(at(collectstatic?.finishedAt));
      }
    });

    it('shows the same order in side effects: migrations recorded, then the static build, then web started', async () => {
      const info = WebInfoSchema.parse(await (await fetch(`${url}/api/info`)).json());
      expect(info.schema.migrations.map((m) => m.name)).toEqual(['0001_create_jobs', '0002_jobs_worker_pod', '0003_jobs_kind_summary']);
      expect(info.staticAssets, 'static assets present when web started').not.toBeNull();
      const newestMigration = Math.max(...info.schema.migrations.map((m) => Date.parse(m.appliedAt)));
      const built = Date.parse(info.staticAssets!.builtAt);
      expect(newestMigration, 'migrations recorded before the static build').toBeLessThan(built);
      expect(Date.parse(info.staticAssets!.manifestMtime)).toBeLessThanOrEqual(Date.parse(info.startedAt));
      expect(built, 'static build before web started').toBeLessThan(Date.parse(info.startedAt));
      const page = await fetch(`${url}/static/index.html`);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<script type="module" src="\/static\/app\.[0-9a-f]{10}\.js">/);
    });

    it('processes a job submitted through web Service end to end, in the worker of the same pod', async () => {
      const job = await timed('single-pod job round trip', async () => {
        const submitted = await fetch(`${url}/api/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'one two two three three three' }) });
        expect(submitted.status).toBe(202);
        const { id } = JobSchema.parse(await submitted.json());
        return vi.waitFor(
          async () => {
            const current = JobSchema.parse(await (await fetch(`${url}/api/jobs/${id}`)).json());
            expect(current.status).toBe('done');
            return current;
          },
          { timeout: 30_000, interval: 500 },
        );
      });
      expect(job.result).toMatchObject({ words: 6, uniqueWords: 3, topWords: [{ word: 'three', count: 3 }, { word: 'two', count: 2 }, { word: 'one', count: 1 }] });
      const [pod] = await pods(NAMESPACE, 'maya-sawa-v2');
      expect(job.workerPod).toBe(pod!.metadata!.name);
      const invalid = await fetch(`${url}/api/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"text": ""}' });
      expect(invalid.status).toBe(400);
    });
  });

  describe('split: web and worker as separate Deployments', () => {
    let url: string;
    printDiagnosticsOnFailure(clients, SPLIT_NAMESPACE);

    it('scales the worker to 3 without touching web, and jobs spread across the workers', async () => {
      await timed('split available (applied at the start)', async () => {
        await splitApplied;
        await cluster.waitForDeployments(SPLIT_NAMESPACE, 240_000);
      });
      url = cluster.nodePortUrl(MAYA_SAWA_NODE_PORTS.split);
      await vi.waitFor(async () => expect((await fetch(`${url}/healthz`)).status).toBe(200), { timeout: 30_000, interval: 500 });
      const webBefore = (await pods(SPLIT_NAMESPACE, 'maya-sawa-web')).map((p) => ({ name: p.metadata?.name, uid: p.metadata?.uid }));
      expect(webBefore).toHaveLength(1);
      const webGeneration = (await clients.apps.readNamespacedDeployment({ name: 'maya-sawa-web', namespace: SPLIT_NAMESPACE })).metadata?.generation;

      await timed('workers scaled to 3', async () => {
        const scale = await clients.apps.readNamespacedDeploymentScale({ name: 'maya-sawa-worker', namespace: SPLIT_NAMESPACE });
        scale.spec = { replicas: 3 };
        await clients.apps.replaceNamespacedDeploymentScale({ name: 'maya-sawa-worker', namespace: SPLIT_NAMESPACE, body: scale });
        await cluster.waitForDeployments(SPLIT_NAMESPACE, 180_000);
        // Available is not yet consuming: wait until each worker says it is connected to the queue.
        await vi.waitFor(
          async () => {
            const workers = await pods(SPLIT_NAMESPACE, 'maya-sawa-worker');
            expect(workers).toHaveLength(3);
            for (const worker of workers) {
              const log = await clients.core.readNamespacedPodLog({ name: worker.metadata!.name!, namespace: SPLIT_NAMESPACE, container: 'worker' });
              expect(log).toContain('worker connected to the queue');
            }
          },
          { timeout: 60_000, interval: 1000 },
        );
      });
      const webAfter = (await pods(SPLIT_NAMESPACE, 'maya-sawa-web')).map((p) => ({ name: p.metadata?.name, uid: p.metadata?.uid }));
      expect(webAfter, 'web pods unchanged (same names and uids)').toEqual(webBefore);
      expect((await clients.apps.readNamespacedDeployment({ name: 'maya-sawa-web', namespace: SPLIT_NAMESPACE })).metadata?.generation).toBe(webGeneration);

      const workerNames = (await pods(SPLIT_NAMESPACE, 'maya-sawa-worker')).map((p) => p.metadata!.name!);
      const jobs = await timed('24 jobs through 3 workers', async () => {
        const ids = await Promise.all(
          Array.from({ length: 24 }, async (_, i) => {
            const response = await fetch(`${url}/api/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: `job ${i} `.repeat(i + 1) }) });
            expect(response.status).toBe(202);
            return JobSchema.parse(await response.json()).id;
          }),
        );
        return vi.waitFor(
          async () => {
            const list = JobListSchema.parse(await (await fetch(`${url}/api/jobs?limit=100`)).json()).jobs.filter((job) => ids.includes(job.id));
            expect(list.filter((job) => job.status === 'done')).toHaveLength(24);
            return list;
          },
          { timeout: 60_000, interval: 1000 },
        );
      });
      const byWorker = new Map<string, Job[]>();
      for (const job of jobs) byWorker.set(job.workerPod!, [...(byWorker.get(job.workerPod!) ?? []), job]);
      console.log(`[init-order] jobs per worker: ${JSON.stringify(Object.fromEntries([...byWorker].map(([pod, list]) => [pod, list.length])))}`);
      for (const pod of byWorker.keys()) expect(workerNames).toContain(pod);
      expect(byWorker.size, 'more than one worker pod processed jobs').toBeGreaterThan(1);
    });
  });
});
