import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubernetesObject, V1Container, V1Deployment, V1PodSpec, V1Secret, V1Service } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { renderKustomization } from '../../harness/kustomize.js';
import { describeObject, validateObject } from '../validate.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const OVERLAYS = { 'single-pod': 'maya-sawa', split: 'maya-sawa-split', 'failing-migrate': 'maya-sawa', faults: 'maya-sawa-faults' } as const;
const WEB_NODE_PORTS: Record<Overlay, number> = { 'single-pod': 30800, split: 30801, 'failing-migrate': 30800, faults: 30802 };
type Overlay = keyof typeof OVERLAYS;
const rendered = Object.fromEntries(
  await Promise.all((Object.keys(OVERLAYS) as Overlay[]).map(async (o) => [o, await renderKustomization(path.join(here, 'overlays', o))] as const)),
) as Record<Overlay, KubernetesObject[]>;

const APP_IMAGE = 'kube-microservices-suite/maya-sawa:0.1.0';
const LABEL_KEYS = ['name', 'instance', 'component', 'part-of', 'version', 'managed-by'].map((k) => `app.kubernetes.io/${k}`);
const RESOURCES = { requests: { cpu: '25m', memory: '128Mi', 'ephemeral-storage': '64Mi' }, limits: { cpu: '100m', memory: '256Mi', 'ephemeral-storage': '256Mi' } };

const ofKind = <T extends KubernetesObject>(objects: KubernetesObject[], kind: string): T[] => objects.filter((o) => o.kind === kind) as T[];
function deployment(objects: KubernetesObject[], name: string): V1Deployment {
  const found = ofKind<V1Deployment>(objects, 'Deployment').find((d) => d.metadata?.name === name);
  if (!found) throw new Error(`Deployment/${name} is not rendered`);
  return found;
}
const podSpec = (d: V1Deployment): V1PodSpec => d.spec!.template.spec!;
const container = (list: V1Container[] | undefined, name: string): V1Container => {
  const found = list?.find((c) => c.name === name);
  if (!found) throw new Error(`no container ${name}`);
  return found;
};
const envNames = (c: V1Container) => (c.env ?? []).map((e) => e.name);

describe.each(Object.keys(OVERLAYS) as Overlay[])('maya-sawa %s', (overlay) => {
  const objects = rendered[overlay];
  const namespace = OVERLAYS[overlay];
  const deployments = ofKind<V1Deployment>(objects, 'Deployment');

  it.each(objects.map((o) => [describeObject(o), o] as const))('%s is valid against the Kubernetes schemas', (_, object) => {
    expect(validateObject(object)).toEqual([]);
  });

  it(`puts everything in the ${namespace} namespace, with the standard labels on objects and pod templates`, () => {
    expect(objects.find((o) => o.kind === 'Namespace')?.metadata?.name).toBe(namespace);
    for (const object of objects.filter((o) => o.kind !== 'Namespace')) expect(object.metadata?.namespace, describeObject(object)).toBe(namespace);
    const labelled = [
      ...objects.map((o) => [describeObject(o), o.metadata?.labels] as const),
      ...deployments.map((d) => [`${describeObject(d)} pod template`, d.spec?.template.metadata?.labels] as const),
    ];
    for (const [what, labels] of labelled) {
      for (const key of LABEL_KEYS) expect(labels?.[key], `${what}: ${key}`).toMatch(/^\S+$/);
      expect(labels?.['app.kubernetes.io/part-of'], what).toBe('maya-sawa');
    }
  });

  it('runs every container as UID 1000, non-root, read-only root filesystem, no privilege escalation', () => {
    for (const d of deployments) {
      const spec = podSpec(d);
      expect(spec.securityContext, describeObject(d)).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000 });
      for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
        expect(c.securityContext, `${describeObject(d)} ${c.name}`).toMatchObject({
          runAsNonRoot: true,
          runAsUser: 1000,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
        });
        expect(c.imagePullPolicy).toBe('IfNotPresent');
      }
    }
  });

  it('serves web through a Service whose selector matches only the pods that run web', () => {
    const service = ofKind<V1Service>(objects, 'Service').find((s) => s.metadata?.name === 'maya-sawa-web')!;
    expect(service.spec?.type).toBe('NodePort');
    expect(service.spec?.ports?.[0]).toMatchObject({ port: 8000, targetPort: 'http', nodePort: WEB_NODE_PORTS[overlay] });
    const selected = deployments.filter((d) => Object.entries(service.spec!.selector!).every(([k, v]) => d.spec?.template.metadata?.labels?.[k] === v));
    expect(selected.map((d) => d.metadata?.name)).toEqual([overlay === 'split' ? 'maya-sawa-web' : 'maya-sawa-v2']);
    for (const d of selected) expect(podSpec(d).containers.map((c) => c.name)).toContain('web');
  });

  it('runs PostgreSQL and Redis with their passwords from the Secret datastore-credentials, PostgreSQL data in an emptyDir', () => {
    const postgres = podSpec(deployment(objects, 'postgres'));
    const pg = container(postgres.containers, 'postgres');
    expect(pg.image).toBe('postgres:16-bookworm');
    // The password as a file from the Secret (POSTGRES_PASSWORD_FILE, as the upstream image reads it), never a variable.
    expect(pg.env?.find((e) => e.name === 'POSTGRES_PASSWORD')).toBeUndefined();
    const pgFile = pg.env?.find((e) => e.name === 'POSTGRES_PASSWORD_FILE')?.value ?? '';
    const pgMount = pg.volumeMounts?.find((m) => pgFile.startsWith(`${m.mountPath}/`));
    expect(pgMount?.readOnly, pgFile).toBe(true);
    expect(postgres.volumes?.find((v) => v.name === pgMount?.name)?.secret).toMatchObject({
      secretName: 'datastore-credentials',
      items: [{ key: 'POSTGRES_PASSWORD', path: pgFile.slice(pgMount!.mountPath.length + 1) }],
    });
    expect(pg.env?.find((e) => e.name === 'PGDATA')?.value).toBe('/var/lib/postgresql/data/pgdata');
    expect(postgres.volumes?.find((v) => v.name === 'data')?.emptyDir).toBeDefined();
    expect(pg.readinessProbe?.exec?.command?.join(' ')).toMatch(/pg_isready --host 127\.0\.0\.1/);
    const redisPod = podSpec(deployment(objects, 'redis'));
    const redis = container(redisPod.containers, 'redis');
    expect(redis.env ?? [], 'no password in the environment').toEqual([]);
    expect(redis.args?.join('\n'), 'no password in the arguments').not.toMatch(/--requirepass|REDIS_PASSWORD/);
    expect(redis.args?.join('\n')).toMatch(/\/etc\/redis-auth\/password/);
    const redisMount = redis.volumeMounts?.find((m) => m.mountPath === '/etc/redis-auth');
    expect(redisPod.volumes?.find((v) => v.name === redisMount?.name)?.secret).toMatchObject({
      secretName: 'datastore-credentials',
      items: [{ key: 'REDIS_PASSWORD', path: 'password' }],
    });
  });

  it("gives each container only the Secret keys the design gives it, under the keys' own names", () => {
    const seen = new Set<string>();
    for (const d of deployments) {
      const spec = podSpec(d);
      for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
        seen.add(c.name);
        const expected = SECRET_CONTRACT[c.name];
        expect(expected, `${describeObject(d)} ${c.name}: a container the contract does not name`).toBeDefined();
        expect(c.envFrom ?? [], `${c.name}: no envFrom (it would hand over every key)`).toEqual([]);
        expect(secretKeys(c, spec), `${describeObject(d)} ${c.name}`).toEqual(expected);
        for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef) expect(e.name, `${c.name}: the variable is named as its key`).toBe(e.valueFrom.secretKeyRef.key);
      }
      for (const volume of spec.volumes ?? []) if (volume.secret) expect(volume.secret.items?.length, `${describeObject(d)} volume ${volume.name}: a Secret volume names its keys`).toBeGreaterThan(0);
    }
    for (const name of Object.keys(SECRET_CONTRACT)) expect(seen, name).toContain(name);
  });

  it("holds the design's two Secrets with exactly its keys (and the datastores' passwords apart)", () => {
    const secrets = Object.fromEntries(ofKind<V1Secret>(objects, 'Secret').map((secret) => [secret.metadata!.name!, Object.keys(secret.stringData ?? secret.data ?? {}).sort()]));
    expect(secrets).toEqual({
      'app-config': ['CELERY_BROKER_URL', 'DATABASE_URL', 'REDIS_URL'],
      'django-secrets': ['DJANGO_ADMIN_URL', 'MAYA_V2_SECRET_KEY', 'OPENAI_API_KEY'],
      'datastore-credentials': ['POSTGRES_PASSWORD', 'REDIS_PASSWORD'],
    });
  });
});

/**
 * The design's Secret contract: per container, the keys of app-config and django-secrets it gets. CELERY_BROKER_URL
 * is BullMQ's Redis. migrate and collectstatic get the secret key because Django's settings need it to load.
 */
const SECRET_CONTRACT: Record<string, Record<string, string[]>> = {
  migrate: { 'app-config': ['DATABASE_URL'], 'django-secrets': ['MAYA_V2_SECRET_KEY'] },
  collectstatic: { 'django-secrets': ['MAYA_V2_SECRET_KEY'] },
  web: { 'app-config': ['CELERY_BROKER_URL', 'DATABASE_URL', 'REDIS_URL'], 'django-secrets': ['DJANGO_ADMIN_URL', 'MAYA_V2_SECRET_KEY', 'OPENAI_API_KEY'] },
  worker: { 'app-config': ['CELERY_BROKER_URL', 'DATABASE_URL'], 'django-secrets': ['MAYA_V2_SECRET_KEY', 'OPENAI_API_KEY'] },
  'openai-stand-in': { 'django-secrets': ['OPENAI_API_KEY'] },
  postgres: { 'datastore-credentials': ['POSTGRES_PASSWORD'] },
  redis: { 'datastore-credentials': ['REDIS_PASSWORD'] },
};

/** The Secret keys a container takes (its environment and the Secret volumes it mounts), by Secret, sorted. */
function secretKeys(c: V1Container, spec: V1PodSpec): Record<string, string[]> {
  const keys: Record<string, string[]> = {};
  for (const e of c.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef;
    if (ref) (keys[ref.name!] ??= []).push(ref.key);
  }
  for (const mount of c.volumeMounts ?? []) {
    const secret = spec.volumes?.find((volume) => volume.name === mount.name)?.secret;
    if (secret) (keys[secret.secretName!] ??= []).push(...(secret.items ?? [{ key: '<every key>' }]).map((item) => item.key));
  }
  for (const list of Object.values(keys)) list.sort();
  return keys;
}

/** The assertions of the design that hold for a pod spec with the init containers and web (and maybe worker). */
function expectWebPod(spec: V1PodSpec, mains: string[]): void {
  expect(spec.initContainers?.map((c) => c.name), 'init containers, in order').toEqual(['migrate', 'collectstatic']);
  expect(spec.containers.map((c) => c.name)).toEqual(mains);
  const all = [...spec.initContainers!, ...spec.containers];
  for (const c of all) {
    expect(c.image, c.name).toBe(APP_IMAGE);
    expect(c.resources, c.name).toEqual(RESOURCES);
  }
  expect(container(spec.initContainers, 'migrate').command).toEqual(['node', '/app/migrate.mjs']);
  expect(container(spec.initContainers, 'collectstatic').command).toEqual(['node', '/app/collectstatic.mjs']);
  const web = container(spec.containers, 'web');
  expect(web.command).toEqual(['node', '/app/web.mjs']);
  expect(web.ports).toEqual([{ name: 'http', containerPort: 8000, protocol: 'TCP' }]);
  expect(web.readinessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
  expect(web.livenessProbe?.httpGet).toEqual({ path: '/healthz/live', port: 'http' });
  expect(web.startupProbe?.httpGet?.path).toBe('/healthz/live');

  // web calls the AI provider named by the ConfigMap (the in-cluster stand-in), with the key from django-secrets.
  expect(web.env?.find((e) => e.name === 'OPENAI_BASE_URL')?.valueFrom?.configMapKeyRef?.name).toBe('maya-sawa-config');

  // collectstatic writes the shared emptyDir; web reads it.
  expect(spec.volumes?.find((v) => v.name === 'static')?.emptyDir).toBeDefined();
  expect(container(spec.initContainers, 'collectstatic').volumeMounts).toContainEqual({ name: 'static', mountPath: '/app/static' });
  expect(web.volumeMounts).toContainEqual({ name: 'static', mountPath: '/app/static', readOnly: true });
}

function expectWorker(c: V1Container): void {
  expect(c.command).toEqual(['node', '/app/worker.mjs']);
  expect(c.resources).toEqual(RESOURCES);
  expect(envNames(c)).toEqual(expect.arrayContaining(['DATABASE_URL', 'CELERY_BROKER_URL', 'OPENAI_API_KEY', 'OPENAI_BASE_URL', 'POD_NAME']));
  expect(c.livenessProbe?.exec?.command?.join(' ')).toMatch(/worker-heartbeat/);
}

describe('maya-sawa single-pod: the design', () => {
  const objects = rendered['single-pod'];

  it('is one Deployment maya-sawa-v2 (replicas 1) beside PostgreSQL, Redis and the OpenAI stand-in', () => {
    expect(ofKind<V1Deployment>(objects, 'Deployment').map((d) => d.metadata?.name).sort()).toEqual(['maya-sawa-v2', 'openai-stand-in', 'postgres', 'redis']);
    expect(deployment(objects, 'maya-sawa-v2').spec?.replicas).toBe(1);
  });

  it('runs migrate then collectstatic as init containers, then web and worker, with probes and resources', () => {
    const spec = podSpec(deployment(objects, 'maya-sawa-v2'));
    expectWebPod(spec, ['web', 'worker']);
    expectWorker(container(spec.containers, 'worker'));
    expect(envNames(container(spec.initContainers, 'migrate'))).not.toContain('MIGRATE_INJECT_FAILURE');
  });
});

describe('maya-sawa failing-migrate (test only)', () => {
  it('differs from single-pod only by the injected migration failure', () => {
    const failing = deployment(rendered['failing-migrate'], 'maya-sawa-v2');
    const migrate = container(podSpec(failing).initContainers, 'migrate');
    expect(migrate.env?.find((e) => e.name === 'MIGRATE_INJECT_FAILURE')?.value).toBe('true');
    const withoutFlag = structuredClone(failing);
    const flagless = container(podSpec(withoutFlag).initContainers, 'migrate');
    flagless.env = flagless.env!.filter((e) => e.name !== 'MIGRATE_INJECT_FAILURE');
    expect(withoutFlag).toEqual(deployment(rendered['single-pod'], 'maya-sawa-v2'));
  });
});

describe('maya-sawa split: web and worker scale independently', () => {
  const objects = rendered.split;

  it('has web and worker Deployments with disjoint selectors, and no combined pod', () => {
    expect(ofKind<V1Deployment>(objects, 'Deployment').map((d) => d.metadata?.name).sort()).toEqual(['maya-sawa-web', 'maya-sawa-worker', 'openai-stand-in', 'postgres', 'redis']);
    const web = deployment(objects, 'maya-sawa-web');
    const worker = deployment(objects, 'maya-sawa-worker');
    const matches = (selector: Record<string, string>, labels: Record<string, string> | undefined) => Object.entries(selector).every(([k, v]) => labels?.[k] === v);
    expect(matches(web.spec!.selector.matchLabels!, worker.spec!.template.metadata?.labels)).toBe(false);
    expect(matches(worker.spec!.selector.matchLabels!, web.spec!.template.metadata?.labels)).toBe(false);
  });

  it('migrates and collects static files in web only; the worker has no init containers', () => {
    expectWebPod(podSpec(deployment(objects, 'maya-sawa-web')), ['web']);
    const worker = podSpec(deployment(objects, 'maya-sawa-worker'));
    expect(worker.initContainers ?? []).toEqual([]);
    expect(worker.containers.map((c) => c.name)).toEqual(['worker']);
    expectWorker(worker.containers[0]!);
  });
});

describe('maya-sawa: the OpenAI stand-in', () => {
  const standIn = (overlay: Overlay) => container(podSpec(deployment(rendered[overlay], 'openai-stand-in')).containers, 'openai-stand-in');

  it('runs its own image, with the resources and probes of the other containers, its test controls off', () => {
    const c = standIn('single-pod');
    expect(c.image).toBe('kube-microservices-suite/openai-stand-in:0.1.0');
    expect(c.resources).toEqual(RESOURCES);
    expect(c.ports).toEqual([{ name: 'http', containerPort: 8090, protocol: 'TCP' }]);
    expect([c.readinessProbe?.httpGet?.path, c.livenessProbe?.httpGet?.path]).toEqual(['/health/ready', '/health/live']);
    for (const overlay of ['single-pod', 'split', 'failing-migrate'] as const) expect(envNames(standIn(overlay)), overlay).not.toContain('ENABLE_TEST_CONTROLS');
  });

  it('has its test controls on, and a NodePort, in the test-only faults overlay alone', () => {
    expect(standIn('faults').env?.find((e) => e.name === 'ENABLE_TEST_CONTROLS')?.value).toBe('true');
    const service = ofKind<V1Service>(rendered.faults, 'Service').find((s) => s.metadata?.name === 'openai-stand-in')!;
    expect(service.spec?.ports?.[0]).toMatchObject({ port: 8090, nodePort: 30803 });
    const elsewhere = ofKind<V1Service>(rendered['single-pod'], 'Service').find((s) => s.metadata?.name === 'openai-stand-in')!;
    expect(elsewhere.spec?.type).toBe('ClusterIP');
  });
});
