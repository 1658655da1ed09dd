import type { KubernetesObject, V1Deployment, V1Pod } from '@kubernetes/client-node';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { repoRoot } from '../images/catalog.js';
import type { ConnectedCluster } from '../harness/cluster/connected-cluster.js';
import { applyObjects } from '../harness/kube/apply.js';
import { discardNamespace, waitUntilNotTerminating } from '../harness/kube/namespaces.js';
import { admitPod, podFromTemplate, type Admission } from '../harness/kube/pod-security.js';
import { connectFrom, startProbePods, type Connection, type ProbePod } from '../harness/kube/reachability.js';
import { httpGet } from '../harness/http-get.js';
import { useScenario } from '../harness/scenario.js';
import { seconds } from '../harness/seconds.js';
import { GATEWAY } from '../harness/system.js';

// What the manifests' NetworkPolicies and Pod Security labels promise, on the live cluster: the paths the design names
// answer, every other path is refused (and opens when the policies are deleted: the checks can fail), and only
// "restricted" pods are admitted. Probe pods stand in for the workloads: they carry a role's labels in the system's
// namespace (harness/kube/reachability.ts). PostgreSQL is maya-sawa's, with maya-sawa's policies, in a namespace of
// this file's own.

/** A forbidden path must fail within this: the probe's connection timeout (kube-router rejects at once). */
const FORBIDDEN_BOUND_MS = 3_000;
/** How long a change (a new probe pod, deleted policies) may take to reach the node's rules. */
const SETTLE_MS = 15_000;
const MAYA_NAMESPACE = 'maya-sawa-isolation';
const MAYA_OVERLAY = 'manifests/maya-sawa/overlays';
/** Every overlay of maya-sawa: the design's forms, and the test-only ones (the faults scenario's, init-order's failing migration). */
const MAYA_FORMS = ['single-pod', 'split', 'faults', 'failing-migrate'] as const;
const STRANGER_NAMESPACE = 'isolation-stranger';
/** The port the stranger listens on (the gateway's own: no egress rule of the gateway names it). */
const STRANGER_PORT = 8080;
const INSTANCE = 'app.kubernetes.io/instance';
const NAME = 'app.kubernetes.io/name';

/** maya-sawa's namespace with only what PostgreSQL and the OpenAI stand-in need, and all its NetworkPolicies, moved to MAYA_NAMESPACE. */
function placeDatabase(objects: KubernetesObject[]): KubernetesObject[] {
  const wanted = (object: KubernetesObject): boolean =>
    ['Namespace', 'ConfigMap', 'Secret', 'NetworkPolicy'].includes(object.kind ?? '') || ['postgres', 'openai-stand-in'].includes(object.metadata?.name ?? '');
  return objects.filter(wanted).map((original) => {
    const object = structuredClone(original);
    if (object.kind === 'Namespace') object.metadata!.name = MAYA_NAMESPACE;
    else object.metadata!.namespace = MAYA_NAMESPACE;
    return object;
  });
}

async function deployDatabase(cluster: ConnectedCluster): Promise<void> {
  await Promise.all([cluster.ensureImages(['postgres', 'openai-stand-in']), waitUntilNotTerminating(cluster.clients, MAYA_NAMESPACE)]);
  await applyObjects(cluster.clients, placeDatabase(await cluster.render(`${MAYA_OVERLAY}/single-pod`)));
  await cluster.waitForDeployments(MAYA_NAMESPACE);
}

/** What a path dials: a Service's name, or a pod's address (known once the pod runs). */
type Host = string | (() => string);

interface PathCheck {
  path: string;
  /** host:port, as the probe dialled it (a Service's name, or a pod's address). */
  to: string;
  expected: 'open' | 'refused';
  policies: 'in place' | 'deleted';
  outcome: string;
  /** The last attempt, in the probe pod. */
  ms: number;
  /** From the first attempt to the outcome (a new pod, or deleted policies, reaching the node's rules). */
  settledMs: number;
}

describe('isolation: only the paths the design names are open, and only restricted pods are admitted', () => {
  let database: Promise<void> | undefined;
  const { cluster, clients, namespace, url, phase } = useScenario('isolation', {
    beforeDeploy: (started) => {
      database = deployDatabase(started);
      database.catch(() => undefined); // awaited (and reported) by the setup below
    },
    alsoDiagnose: [MAYA_NAMESPACE, STRANGER_NAMESPACE],
  });
  const system = (labels: Record<string, string>) => ({ ...labels, [INSTANCE]: 'microservices-demo' });
  const asGateway: ProbePod = { namespace, name: 'as-api-gateway', labels: system({ [NAME]: 'api-gateway' }) };
  const asWorker: ProbePod = { namespace, name: 'as-worker', labels: system({ [NAME]: 'worker' }) };
  const asDashboard: ProbePod = { namespace, name: 'as-dashboard', labels: system({ [NAME]: 'dashboard' }) };
  // The ingress controller's role label only: the real Traefik Service also selects on its instance label.
  const asIngress: ProbePod = { namespace: 'kube-system', name: 'isolation-as-ingress', labels: { [NAME]: 'traefik', 'kube-microservices-suite.io/probe': 'isolation' } };
  // A stranger with the gateway's very labels, in a namespace of its own without policies: only the servers' ingress
  // policies can refuse it (a podSelector names pods of the policy's own namespace). It listens too, on STRANGER_PORT:
  // as nothing in its namespace refuses anyone, only a client's egress policy can refuse a connection to it.
  const stranger: ProbePod = { namespace: STRANGER_NAMESPACE, name: 'stranger', labels: system({ [NAME]: 'api-gateway' }), listens: STRANGER_PORT };
  // maya-sawa's app (the single pod's labels), beside PostgreSQL and the stand-in.
  const asMayaApp: ProbePod = { namespace: MAYA_NAMESPACE, name: 'as-maya-sawa', labels: { [NAME]: 'maya-sawa-v2', [INSTANCE]: 'maya-sawa' } };
  const service = (name: string, of = namespace) => `${name}.${of}.svc.cluster.local`;
  const checks: PathCheck[] = [];
  let probeImage = '';
  let strangerAddress = '';

  beforeAll(async () => {
    await waitUntilNotTerminating(clients, STRANGER_NAMESPACE); // the same file, run again at once
    await clients.core.createNamespace({ body: { metadata: { name: STRANGER_NAMESPACE } } });
    const deployment = await clients.apps.readNamespacedDeployment({ name: GATEWAY, namespace });
    probeImage = deployment.spec!.template.spec!.containers[0]!.image!;
    const [addresses] = await Promise.all([startProbePods(clients, [asGateway, asWorker, asDashboard, asIngress, stranger], probeImage), database]);
    strangerAddress = addresses[4]!;
    await startProbePods(clients, [asMayaApp], probeImage); // its namespace is the database's
  });

  afterAll(async () => {
    await writeEvidence(checks);
    await clients.core.deleteNamespacedPod({ name: asIngress.name, namespace: asIngress.namespace, gracePeriodSeconds: 0 }).catch(() => undefined);
    await discardNamespace(clients, STRANGER_NAMESPACE);
    await discardNamespace(clients, MAYA_NAMESPACE);
  });

  /**
   * A path expected open is tried until it opens or SETTLE_MS has passed (a probe pod just started, or a policy just
   * deleted, may take a moment to reach the node's rules); a path expected refused is tried once. Records the last try.
   */
  const check = async (path: string, from: ProbePod, to: Host, port: number, expected: PathCheck['expected'], policies: PathCheck['policies']): Promise<PathCheck> => {
    const host = typeof to === 'string' ? to : to();
    const started = Date.now();
    let last: Connection = { outcome: 'not tried', ms: 0 };
    const attempt = async () => {
      last = await connectFrom(clients, from, host, port, FORBIDDEN_BOUND_MS);
      if (last.outcome !== 'open') throw new Error(`${path}: ${last.outcome}`);
    };
    if (expected === 'open') await vi.waitFor(attempt, { timeout: SETTLE_MS, interval: 250 }).catch(() => undefined);
    else await attempt().catch(() => undefined);
    const result = { path, to: `${host}:${port}`, expected, policies, outcome: last.outcome, ms: last.ms, settledMs: Date.now() - started };
    checks.push(result);
    return result;
  };

  const forbidden: Array<[string, ProbePod, Host, number]> = [
    ['dashboard -> Redis', asDashboard, service('redis'), 6379],
    ['stranger -> Redis', stranger, service('redis'), 6379],
    ['stranger -> api-gateway', stranger, service('api-gateway'), 8080],
    ['stranger -> PostgreSQL', stranger, service('postgres', MAYA_NAMESPACE), 5432],
    ['stranger -> the OpenAI stand-in', stranger, service('openai-stand-in', MAYA_NAMESPACE), 8090],
    ['api-gateway -> PostgreSQL', asGateway, service('postgres', MAYA_NAMESPACE), 5432],
    ['api-gateway -> worker (not its dependency)', asGateway, service('worker'), 8081],
    ['api-gateway -> the Kubernetes API', asGateway, 'kubernetes.default.svc.cluster.local', 443],
    // An address outside the gateway's allow-list that admits everyone: only the gateway's egress policy can refuse it.
    // (Not an address outside the cluster: the offline node refuses pod traffic there by routing, before any policy.)
    ['api-gateway -> a listening pod outside its allow-list (the stranger)', asGateway, () => strangerAddress, STRANGER_PORT],
  ];

  describe('allowed paths answer', () => {
    const allowed = phase<{ paths: PathCheck[]; nodePortStatus: number }>('allowed', {}, async ({ step, results, figure }) => {
      const paths: Array<[string, ProbePod, string, number]> = [
        ['api-gateway -> Redis', asGateway, service('redis'), 6379],
        ['worker -> Redis', asWorker, service('redis'), 6379],
        ['dashboard -> api-gateway', asDashboard, service('api-gateway'), 8080],
        ['dashboard -> worker', asDashboard, service('worker'), 8081],
        ['ingress controller -> dashboard', asIngress, service('dashboard'), 3000],
        ['ingress controller -> api-gateway', asIngress, service('api-gateway'), 8080],
        ['maya-sawa app -> PostgreSQL', asMayaApp, service('postgres', MAYA_NAMESPACE), 5432],
        ['maya-sawa app -> the OpenAI stand-in', asMayaApp, service('openai-stand-in', MAYA_NAMESPACE), 8090],
      ];
      results.paths = await Promise.all(paths.map(([path, from, host, port]) => step(path, () => check(path, from, host, port, 'open', 'in place'))));
      for (const result of results.paths) figure(result.path, `${result.outcome} in ${result.ms} ms`);
      const gatewayUrl = await url(GATEWAY);
      results.nodePortStatus = await step('NodePort -> api-gateway', async () => (await httpGet(`${gatewayUrl}/api/info`)).status);
    });

    it('lets gateway and worker reach Redis, the dashboard reach gateway and worker, the ingress controller reach dashboard and gateway, maya-sawa reach PostgreSQL and the stand-in', () => {
      const paths = allowed.result('paths');
      expect(paths.map((p) => p.path)).toHaveLength(8);
      for (const path of paths) expect(path.outcome, `${path.path} (${path.ms} ms)`).toBe('open');
    });

    it('lets the gateway be reached through its NodePort', () => {
      expect(allowed.result('nodePortStatus')).toBe(200);
    });
  });

  describe(`forbidden paths fail within ${FORBIDDEN_BOUND_MS / 1000} s`, () => {
    const refused = phase<{ paths: PathCheck[] }>('forbidden', {}, async ({ step, results, figure }) => {
      results.paths = await Promise.all(forbidden.map(([path, from, host, port]) => step(path, () => check(path, from, host, port, 'refused', 'in place'))));
      for (const result of results.paths) figure(result.path, `${result.outcome} in ${result.ms} ms`);
    });

    it('refuses the dashboard, a stranger and the gateway everything they are not named for, each within the bound', () => {
      const paths = refused.result('paths');
      expect(paths).toHaveLength(forbidden.length);
      for (const path of paths) {
        expect(path.outcome, `${path.path} is open`).not.toBe('open');
        expect(path.ms, `${path.path} took ${path.ms} ms to fail (${path.outcome})`).toBeLessThanOrEqual(FORBIDDEN_BOUND_MS + 500);
      }
    });
  });

  describe('Pod Security "restricted" is enforced', () => {
    interface Refusal { what: string; admission: Admission }
    const admission = phase<{ labels: Record<string, Record<string, string>>; serverMinor: string; workloads: Array<{ what: string; admission: Admission }>; refusals: Refusal[] }>(
      'pod-security',
      {},
      async ({ step, results, figure }) => {
        results.serverMinor = await step("read the cluster's Kubernetes version", async () => {
          const kubelet = (await clients.core.listNode()).items[0]?.status?.nodeInfo?.kubeletVersion ?? '';
          return kubelet.replace(/^(v\d+\.\d+).*$/, '$1');
        });
        results.labels = {};
        for (const name of [namespace, MAYA_NAMESPACE]) {
          results.labels[name] = await step(`read namespace ${name}`, async () => (await clients.core.readNamespace({ name })).metadata?.labels ?? {});
        }
        results.workloads = await step("dry-run every workload's pod template, both systems", async () => {
          const mayaForms = await Promise.all(
            MAYA_FORMS.map(async (form) => (await cluster.render(`${MAYA_OVERLAY}/${form}`)).filter((o): o is V1Deployment => o.kind === 'Deployment').map((d) => [`maya-sawa ${form}`, MAYA_NAMESPACE, d] as const)),
          );
          const own = (await clients.apps.listNamespacedDeployment({ namespace })).items.map((d) => [namespace, namespace, d] as const);
          return Promise.all(
            [...own, ...mayaForms.flat()].map(async ([source, into, deployment]) => ({
              what: `${source}/${deployment.metadata?.name}`,
              admission: await admitPod(clients, into, podFromTemplate(deployment, into), { dryRun: true }),
            })),
          );
        });
        for (const source of new Set(results.workloads.map((w) => w.what.slice(0, w.what.lastIndexOf('/'))))) {
          const of = results.workloads.filter((w) => w.what.startsWith(`${source}/`));
          const clean = of.filter((w) => w.admission.admitted && w.admission.warnings.length === 0);
          figure(`dry run: ${source}`, `${clean.length} of ${of.length} pod templates admitted without a warning`);
        }
        const pod = (name: string, container: Record<string, unknown>, podSecurity: Record<string, unknown> = {}): V1Pod => ({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name, namespace },
          spec: {
            securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' }, ...podSecurity },
            containers: [{ name: 'probe', image: probeImage, imagePullPolicy: 'IfNotPresent', ...container }],
          },
        });
        const compliant = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } };
        results.refusals = await step('create a root, a privileged and an added-capabilities pod', async () => [
          { what: 'root', admission: await admitPod(clients, namespace, pod('as-root', { securityContext: compliant }, { runAsNonRoot: false, runAsUser: 0 }), { dryRun: false }) },
          { what: 'privileged', admission: await admitPod(clients, namespace, pod('privileged', { securityContext: { privileged: true, capabilities: { drop: ['ALL'] } } }), { dryRun: false }) },
          { what: 'added capabilities', admission: await admitPod(clients, namespace, pod('net-admin', { securityContext: { ...compliant, capabilities: { drop: ['ALL'], add: ['NET_ADMIN'] } } }), { dryRun: false }) },
        ]);
      },
    );

    it('enforces "restricted" at a pinned version on both systems\' namespaces', () => {
      for (const [name, labels] of Object.entries(admission.result('labels'))) {
        expect(labels['pod-security.kubernetes.io/enforce'], name).toBe('restricted');
        expect(labels['pod-security.kubernetes.io/enforce-version'], `${name}: pinned, the cluster's own minor`).toBe(admission.result('serverMinor'));
      }
    });

    it("admits every workload's pods of both systems, with no warning", () => {
      const workloads = admission.result('workloads');
      expect(workloads.length, 'workloads checked').toBeGreaterThanOrEqual(8);
      for (const form of MAYA_FORMS) expect(workloads.map((w) => w.what), form).toContain(`maya-sawa ${form}/${form === 'split' ? 'maya-sawa-web' : 'maya-sawa-v2'}`);
      for (const { what, admission: result } of workloads) expect(result, what).toEqual({ admitted: true, warnings: [] });
    });

    it('refuses a pod running as root, a privileged one and one with added capabilities, naming the rule broken', () => {
      const expected: Record<string, RegExp> = {
        root: /runAsNonRoot != true|runAsUser=0/,
        privileged: /privileged \(container "probe" must not set securityContext\.privileged=true\)/,
        'added capabilities': /must not include "NET_ADMIN" in securityContext\.capabilities\.add/,
      };
      for (const { what, admission: result } of admission.result('refusals')) {
        expect(result.admitted, `the ${what} pod was admitted`).toBe(false);
        if (result.admitted) continue;
        expect(result.status, what).toBe(403);
        expect(result.message, what).toMatch(/violates PodSecurity "restricted:v\d+\.\d+"/);
        expect(result.message, what).toMatch(expected[what]!);
      }
    });
  });

  describe('each forbidden path opens once the NetworkPolicies are deleted (the checks can fail)', () => {
    const control = phase<{ paths: PathCheck[] }>('without-policies', {}, async ({ step, results, figure }) => {
      await step("delete the NetworkPolicies of the system's and PostgreSQL's namespaces", () =>
        Promise.all([namespace, MAYA_NAMESPACE].map((of) => clients.networking.deleteCollectionNamespacedNetworkPolicy({ namespace: of }))),
      );
      results.paths = await Promise.all(forbidden.map(([path, from, host, port]) => step(path, () => check(path, from, host, port, 'open', 'deleted'))));
      for (const result of results.paths) figure(result.path, `${result.outcome} ${seconds(result.settledMs)} s after the policies were deleted`);
    });

    it('opens every path refused before', () => {
      const paths = control.result('paths');
      expect(paths).toHaveLength(forbidden.length);
      for (const path of paths) expect(path.outcome, `${path.path} without the policies`).toBe('open');
    });
  });
});

/** artifacts/isolation/paths.json: every path checked, what was expected, what happened and how long it took. */
async function writeEvidence(checks: PathCheck[]): Promise<void> {
  const dir = join(repoRoot, 'artifacts', 'isolation');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'paths.json'), `${JSON.stringify({ boundMs: FORBIDDEN_BOUND_MS, checks }, null, 2)}\n`);
}
