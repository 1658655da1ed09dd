import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type {
  KubernetesObject,
  V1ConfigMap,
  V1Container,
  V1Deployment,
  V1Ingress,
  V1PodSpec,
  V1Secret,
  V1Service,
  V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { renderKustomization } from '../harness/kustomize.js';
import { NAMESPACE, NODE_PORTS as SYSTEM_NODE_PORTS } from '../harness/system.js';
import { describeObject, validateObject } from './validate.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const TARGETS = {
  base: 'base',
  test: 'overlays/test',
  'no-drain': 'overlays/no-drain',
  local: 'overlays/local',
} as const;
type Target = keyof typeof TARGETS;
const targetNames = Object.keys(TARGETS) as Target[];

// Rendered once, at collection time, so every object gets a test of its own.
const rendered = Object.fromEntries(
  await Promise.all(targetNames.map(async (t) => [t, await renderKustomization(path.join(here, TARGETS[t]))] as const)),
) as Record<Target, KubernetesObject[]>;

const SERVICES = ['api-gateway', 'worker', 'dashboard'] as const;
const WORKLOADS = ['redis', ...SERVICES] as const;
const PORTS: Record<(typeof WORKLOADS)[number], number> = { redis: 6379, 'api-gateway': 8080, worker: 8081, dashboard: 3000 };
// The gateway and the worker have none: their HPAs own the count (see the autoscaling test).
const REPLICAS: Record<(typeof WORKLOADS)[number], number | undefined> = { redis: 1, 'api-gateway': undefined, worker: undefined, dashboard: 2 };
const IMAGES: Record<(typeof WORKLOADS)[number], string> = {
  redis: 'redis:7.4-bookworm',
  'api-gateway': 'kube-microservices-suite/api-gateway:0.1.0',
  worker: 'kube-microservices-suite/worker:0.1.0',
  dashboard: 'kube-microservices-suite/dashboard:0.1.0',
};
// The NodePorts the harness maps (harness/system.ts), by Service name: the manifests must publish exactly these.
const NODE_PORTS = { 'api-gateway': SYSTEM_NODE_PORTS.apiGateway, dashboard: SYSTEM_NODE_PORTS.dashboard, worker: SYSTEM_NODE_PORTS.worker } as const;
// manifests/base/network-policies, and the node-ports component's in every overlay.
const NETWORK_POLICIES = ['default-deny', 'dns-egress', 'redis', 'api-gateway', 'worker', 'dashboard', 'metrics-scrape'];
const LABEL_KEYS = ['name', 'instance', 'component', 'part-of', 'version', 'managed-by'].map((k) => `app.kubernetes.io/${k}`);

const ofKind = <T extends KubernetesObject>(objects: KubernetesObject[], kind: string): T[] =>
  objects.filter((o) => o.kind === kind) as T[];

function named<T extends KubernetesObject>(objects: KubernetesObject[], kind: string, name: string): T {
  const found = ofKind<T>(objects, kind).find((o) => o.metadata?.name === name);
  if (!found) throw new Error(`${kind}/${name} is not in the rendered manifests`);
  return found;
}

function podSpec(deployment: V1Deployment): V1PodSpec {
  const spec = deployment.spec?.template.spec;
  if (!spec) throw new Error(`${describeObject(deployment)} has no pod spec`);
  return spec;
}

function envValue(container: V1Container, name: string): string | undefined {
  return container.env?.find((e) => e.name === name)?.value;
}

function envSeconds(container: V1Container, name: string): number | undefined {
  const value = envValue(container, name);
  return value === undefined ? undefined : Number(value);
}

/** Every container and init container of every Deployment, with the Deployment it belongs to. */
function containersOf(objects: KubernetesObject[]): { deployment: V1Deployment; container: V1Container }[] {
  return ofKind<V1Deployment>(objects, 'Deployment').flatMap((deployment) => {
    const spec = podSpec(deployment);
    return [...(spec.initContainers ?? []), ...spec.containers].map((container) => ({ deployment, container }));
  });
}

describe('schema validation', () => {
  it('accepts a well-formed Deployment', () => {
    expect(validateObject(sampleDeployment())).toEqual([]);
  });

  it('rejects a Deployment with a field of the wrong type', () => {
    const broken = sampleDeployment();
    (broken.spec as unknown as Record<string, unknown>)['replicas'] = 'two';
    expect(validateObject(broken).join('\n')).toMatch(/replicas must be integer/);
  });

  it('rejects a Deployment without the required containers', () => {
    const broken = sampleDeployment();
    delete (broken.spec!.template.spec as unknown as Record<string, unknown>)['containers'];
    expect(validateObject(broken).join('\n')).toMatch(/containers/);
  });

  it('rejects an unknown field, such as a misspelt probe', () => {
    const broken = sampleDeployment();
    const container = broken.spec!.template.spec!.containers[0]! as unknown as Record<string, unknown>;
    container['readinesProbe'] = container['readinessProbe'];
    delete container['readinessProbe'];
    expect(validateObject(broken)).toEqual([
      'Deployment.spec.template.spec.containers[0].readinesProbe: unknown field (not in V1Container)',
    ]);
  });

  it('rejects an unknown field in a map of objects and at the top level', () => {
    const broken = { ...sampleDeployment(), spec2: {} } as KubernetesObject;
    expect(validateObject(broken)).toEqual(['Deployment.spec2: unknown field (not in V1Deployment)']);
  });

  it('rejects a kind it has no schema for', () => {
    expect(validateObject({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } })).toEqual([
      'no schema for example.com/v1 Widget',
      'no field list for example.com/v1 Widget (V1Widget)',
    ]);
  });
});

describe.each(targetNames)('%s', (target) => {
  const objects = rendered[target];
  const deployments = ofKind<V1Deployment>(objects, 'Deployment');
  const services = ofKind<V1Service>(objects, 'Service');
  const deployment = (name: string) => named<V1Deployment>(objects, 'Deployment', name);
  const mainContainer = (name: string): V1Container => {
    const container = podSpec(deployment(name)).containers.find((c) => c.name === name);
    if (!container) throw new Error(`Deployment/${name} has no container named ${name}`);
    return container;
  };

  it.each(objects.map((o) => [describeObject(o), o] as const))('%s is valid against the Kubernetes schemas', (_, object) => {
    expect(validateObject(object)).toEqual([]);
  });

  it('has exactly the expected objects, all in the microservices-demo namespace', () => {
    expect(objects.map(describeObject).sort()).toEqual(
      [
        'Namespace/microservices-demo',
        'ConfigMap/microservices-config',
        'Secret/redis-auth',
        ...WORKLOADS.flatMap((w) => [`Deployment/${w}`, `Service/${w}`]),
        'HorizontalPodAutoscaler/api-gateway',
        'HorizontalPodAutoscaler/worker',
        'PodDisruptionBudget/api-gateway',
        'PodDisruptionBudget/dashboard',
        'PodDisruptionBudget/worker',
        'Ingress/microservices-demo',
        'Role/ingress-controller-secrets',
        'RoleBinding/ingress-controller-secrets',
        ...NETWORK_POLICIES.map((policy) => `NetworkPolicy/${policy}`),
        ...(target === 'base' ? [] : ['NetworkPolicy/node-ports']),
      ].sort(),
    );
    for (const object of objects.filter((o) => o.kind !== 'Namespace')) {
      expect(object.metadata?.namespace, describeObject(object)).toBe(NAMESPACE);
    }
  });

  it('labels every object and pod template with the standard app.kubernetes.io labels', () => {
    const labelled = [
      ...objects.map((o) => [describeObject(o), o.metadata?.labels] as const),
      ...deployments.map((d) => [`${describeObject(d)} pod template`, d.spec?.template.metadata?.labels] as const),
    ];
    for (const [what, labels] of labelled) {
      for (const key of LABEL_KEYS) expect(labels?.[key], `${what}: ${key}`).toMatch(/^\S+$/);
      expect(labels?.['app.kubernetes.io/part-of'], what).toBe('microservices-health-monitor');
      expect(labels?.['app.kubernetes.io/managed-by'], what).toBe('kustomize');
      expect(labels?.['app.kubernetes.io/instance'], what).toBe(NAMESPACE);
    }
    for (const d of deployments) {
      expect(d.metadata?.labels?.['app.kubernetes.io/name'], describeObject(d)).toBe(d.metadata?.name);
    }
  });

  it('runs each workload from the expected image, with the expected replica count', () => {
    for (const name of WORKLOADS) {
      expect(mainContainer(name).image, name).toBe(IMAGES[name]);
      expect(deployment(name).spec?.replicas, name).toBe(REPLICAS[name]);
    }
    for (const { deployment: d, container } of containersOf(objects)) {
      expect(container.imagePullPolicy, `${describeObject(d)} ${container.name}`).toBe('IfNotPresent');
    }
  });

  it('probes liveness and readiness on every container of every Deployment', () => {
    for (const { deployment: d, container } of containersOf(objects)) {
      const what = `${describeObject(d)} ${container.name}`;
      expect(container.livenessProbe, `${what} liveness`).toBeDefined();
      expect(container.readinessProbe, `${what} readiness`).toBeDefined();
      const portNames = (container.ports ?? []).map((p) => p.name);
      for (const probe of [container.startupProbe, container.livenessProbe, container.readinessProbe]) {
        const port = probe?.httpGet?.port ?? probe?.tcpSocket?.port;
        if (typeof port === 'string') expect(portNames, `${what} probe port`).toContain(port);
      }
    }
    for (const name of SERVICES) {
      expect(mainContainer(name).livenessProbe?.httpGet?.path, name).toBe('/health/live');
      expect(mainContainer(name).readinessProbe?.httpGet?.path, name).toBe('/health/ready');
      expect(mainContainer(name).startupProbe?.httpGet?.path, name).toBe('/health/live');
    }
    expect(mainContainer('redis').livenessProbe?.tcpSocket?.port).toBe('redis');
    // An authenticated PING, the password from the mounted file through REDISCLI_AUTH.
    expect(mainContainer('redis').readinessProbe?.exec?.command?.join(' ')).toMatch(/REDISCLI_AUTH="\$\(cat \/etc\/redis-auth\/password\)" redis-cli ping/);
  });

  it('rolls the services out one extra pod at a time, never below the wanted count; Redis is recreated', () => {
    for (const name of SERVICES) {
      const spec = deployment(name).spec;
      expect(spec?.strategy?.type, name).toBe('RollingUpdate');
      expect(spec?.strategy?.rollingUpdate?.maxSurge, name).toBe(1);
      expect(spec?.strategy?.rollingUpdate?.maxUnavailable, name).toBe(0);
      expect(spec?.minReadySeconds, name).toBeGreaterThanOrEqual(3);
    }
    expect(deployment('redis').spec?.strategy).toEqual({ type: 'Recreate' });
  });

  // SHUTDOWN_TIMEOUT_SECONDS bounds the app's whole shutdown, its drain (SHUTDOWN_DRAIN_SECONDS) included.
  it('gives every Deployment time to drain: preStop + the app shutdown timeout within the grace period', () => {
    for (const { deployment: d, container } of containersOf(objects)) {
      const what = `${describeObject(d)} ${container.name}`;
      const grace = podSpec(d).terminationGracePeriodSeconds;
      expect(grace, what).toBeDefined();
      const preStopHandler = container.lifecycle?.preStop;
      if (preStopHandler) expect(preStopHandler.sleep, `${what}: preStop is a sleep action`).toBeDefined();
      const preStop = preStopHandler?.sleep?.seconds ?? 0;
      expect(preStop, what).toBeLessThan(grace!);
      const timeout = envSeconds(container, 'SHUTDOWN_TIMEOUT_SECONDS');
      if (timeout !== undefined) {
        const drain = envSeconds(container, 'SHUTDOWN_DRAIN_SECONDS') ?? 0;
        expect(Number.isInteger(timeout) && Number.isInteger(drain), what).toBe(true);
        expect(preStop + timeout, what).toBeLessThan(grace!);
        expect(drain, `${what}: the app refuses a drain as long as its timeout`).toBeLessThan(timeout);
      }
    }
    if (target !== 'no-drain') {
      for (const name of SERVICES) {
        expect(mainContainer(name).lifecycle?.preStop?.sleep?.seconds, name).toBeGreaterThan(0);
        expect(envSeconds(mainContainer(name), 'SHUTDOWN_TIMEOUT_SECONDS'), name).toBeGreaterThan(0);
      }
    }
  });

  it('requests 100m/128Mi and limits 500m/512Mi on every container (ephemeral storage: manifests/hardening.test.ts)', () => {
    for (const { deployment: d, container } of containersOf(objects)) {
      const { requests, limits } = container.resources ?? {};
      const what = `${describeObject(d)} ${container.name}`;
      expect({ cpu: requests?.['cpu'], memory: requests?.['memory'] }, what).toEqual({ cpu: '100m', memory: '128Mi' });
      expect({ cpu: limits?.['cpu'], memory: limits?.['memory'] }, what).toEqual({ cpu: '500m', memory: '512Mi' });
    }
  });

  it('runs every container as UID/GID 1000, non-root, read-only, unprivileged, with the default seccomp profile', () => {
    for (const { deployment: d, container } of containersOf(objects)) {
      const what = `${describeObject(d)} ${container.name}`;
      const pod = podSpec(d).securityContext ?? {};
      const own = container.securityContext ?? {};
      expect(own.runAsNonRoot ?? pod.runAsNonRoot, what).toBe(true);
      expect(own.runAsUser ?? pod.runAsUser, what).toBe(1000);
      expect(own.runAsGroup ?? pod.runAsGroup, what).toBe(1000);
      expect(pod.fsGroup, what).toBe(1000);
      expect((own.seccompProfile ?? pod.seccompProfile)?.type, what).toBe('RuntimeDefault');
      expect(own.readOnlyRootFilesystem, what).toBe(true);
      expect(own.allowPrivilegeEscalation, what).toBe(false);
      expect(own.privileged ?? false, what).toBe(false);
      expect(own.capabilities?.drop, what).toEqual(['ALL']);
      expect(own.capabilities?.add ?? [], what).toEqual([]);
    }
  });

  it('mounts only declared volumes, with a writable emptyDir at /tmp (and /data for Redis)', () => {
    for (const { deployment: d, container } of containersOf(objects)) {
      const volumes = new Map((podSpec(d).volumes ?? []).map((v) => [v.name, v]));
      const mounts = new Map((container.volumeMounts ?? []).map((m) => [m.mountPath, m.name]));
      for (const [mountPath, volume] of mounts) expect(volumes.has(volume), `${describeObject(d)} ${mountPath}`).toBe(true);
      expect(volumes.get(mounts.get('/tmp') ?? '')?.emptyDir, `${describeObject(d)} /tmp`).toBeDefined();
    }
    const redis = deployment('redis');
    const data = mainContainer('redis').volumeMounts?.find((m) => m.mountPath === '/data');
    expect(podSpec(redis).volumes?.find((v) => v.name === data?.name)?.emptyDir).toBeDefined();
  });

  it('starts Redis as redis-server from PATH, append-only in /data, its password from the Secret as a file on stdin', () => {
    const redis = mainContainer('redis');
    expect(redis.command).toEqual(['sh', '-c']);
    const script = redis.args?.join('\n') ?? '';
    expect(script).toMatch(/^exec redis-server --appendonly yes --dir \/data - <<EOF$/m);
    expect(script).toMatch(/^requirepass "\$\(od .* \/etc\/redis-auth\/password .*\)"$/m);
    expect(script, 'no password in the arguments').not.toMatch(/--requirepass|REDIS_PASSWORD/);
    expect(redis.env ?? [], 'no password in the environment').toEqual([]);
    const mount = redis.volumeMounts?.find((m) => m.mountPath === '/etc/redis-auth');
    expect(mount?.readOnly).toBe(true);
    const volume = podSpec(deployment('redis')).volumes?.find((v) => v.name === mount?.name);
    expect(volume?.secret).toMatchObject({ secretName: 'redis-auth', items: [{ key: 'REDIS_PASSWORD', path: 'password' }] });
  });

  it('resolves every ConfigMap, Secret and label reference in the environment', () => {
    const config = named<V1ConfigMap>(objects, 'ConfigMap', 'microservices-config');
    const secret = named<V1Secret>(objects, 'Secret', 'redis-auth');
    const secretKeys = Object.keys({ ...secret.data, ...secret.stringData });
    for (const { deployment: d, container } of containersOf(objects)) {
      const templateLabels = d.spec?.template.metadata?.labels ?? {};
      for (const env of container.env ?? []) {
        const what = `${describeObject(d)} ${container.name} ${env.name}`;
        const from = env.valueFrom;
        if (from?.configMapKeyRef) {
          expect(from.configMapKeyRef.name, what).toBe(config.metadata?.name);
          expect(Object.keys(config.data ?? {}), what).toContain(from.configMapKeyRef.key);
        }
        if (from?.secretKeyRef) {
          expect(from.secretKeyRef.name, what).toBe(secret.metadata?.name);
          expect(secretKeys, what).toContain(from.secretKeyRef.key);
        }
        const label = /^metadata\.labels\['(.+)'\]$/.exec(from?.fieldRef?.fieldPath ?? '');
        if (label) expect(Object.keys(templateLabels), what).toContain(label[1]);
      }
    }
    for (const name of SERVICES) {
      const container = mainContainer(name);
      const env = new Map((container.env ?? []).map((e) => [e.name, e]));
      const usesRedis = name !== 'dashboard';
      for (const required of ['PORT', 'LOG_LEVEL', 'NODE_ENV', 'APP_ENV', 'SERVICE_VERSION', 'POD_NAME', 'SHUTDOWN_DRAIN_SECONDS', 'SHUTDOWN_TIMEOUT_SECONDS']) {
        expect(env.has(required), `${name} ${required}`).toBe(true);
      }
      // Only what talks to Redis gets its address and, above all, its password.
      expect(env.has('REDIS_URL'), `${name} REDIS_URL`).toBe(usesRedis);
      expect(env.has('REDIS_PASSWORD'), `${name} REDIS_PASSWORD`).toBe(usesRedis);
      expect(envValue(container, 'PORT'), name).toBe(String(PORTS[name]));
      expect(env.get('POD_NAME')?.valueFrom?.fieldRef?.fieldPath, name).toBe('metadata.name');
    }
    expect(config.data?.['REDIS_URL']).toBe('redis://redis:6379');
    expect(config.data?.['GATEWAY_URL']).toBe('http://api-gateway:8080');
    expect(config.data?.['WORKER_URL']).toBe('http://worker:8081');
    expect(envValue(mainContainer('worker'), 'TASK_INTERVAL_SECONDS')).toBe('10');
    expect(envValue(mainContainer('dashboard'), 'STATIC_DIR')).toBe('/app/public');
    for (const key of ['GATEWAY_URL', 'WORKER_URL']) {
      expect(mainContainer('dashboard').env?.find((e) => e.name === key)?.valueFrom?.configMapKeyRef?.key).toBe(key);
    }
  });

  it('selects each Deployment from its Service by name and instance, and targets a named container port', () => {
    for (const service of services) {
      const name = service.metadata?.name ?? '';
      const selector = service.spec?.selector ?? {};
      expect(Object.keys(selector).sort(), name).toEqual(['app.kubernetes.io/instance', 'app.kubernetes.io/name']);
      const matching = deployments.filter((d) =>
        Object.entries(selector).every(([k, v]) => d.spec?.template.metadata?.labels?.[k] === v),
      );
      expect(matching.map((d) => d.metadata?.name), name).toEqual([name]);
      const target = matching[0]!;
      expect(target.spec?.selector.matchLabels, name).toEqual(selector);
      const containerPorts = podSpec(target).containers.flatMap((c) => c.ports ?? []);
      for (const port of service.spec?.ports ?? []) {
        expect(typeof port.targetPort, `${name} targetPort is a name`).toBe('string');
        expect(containerPorts.map((p) => p.name), name).toContain(port.targetPort);
        expect(port.name, name).toMatch(/^[a-z]/);
      }
      expect(service.spec?.ports?.map((p) => p.port), name).toEqual([PORTS[name as keyof typeof PORTS]]);
    }
  });

  it('autoscales api-gateway 2-10 and worker 1-5 on CPU 70 % and memory 80 %, up at once and down after 5 min', () => {
    const bounds = { 'api-gateway': [2, 10], worker: [1, 5] } as const;
    for (const [name, [min, max]] of Object.entries(bounds)) {
      const hpa = named<V2HorizontalPodAutoscaler>(objects, 'HorizontalPodAutoscaler', name);
      expect(hpa.spec?.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name });
      deployment(name); // the target exists
      expect([hpa.spec?.minReplicas, hpa.spec?.maxReplicas], name).toEqual([min, max]);
      // A count in the Deployment would be re-applied over the HPA's by every forced server-side apply.
      expect(deployment(name).spec?.replicas, `${name}: the HPA owns the replica count`).toBeUndefined();
      const targets = Object.fromEntries(
        (hpa.spec?.metrics ?? []).map((m) => [m.resource?.name, [m.type, m.resource?.target.type, m.resource?.target.averageUtilization]]),
      );
      expect(targets, name).toEqual({ cpu: ['Resource', 'Utilization', 70], memory: ['Resource', 'Utilization', 80] });
      const { scaleUp, scaleDown } = hpa.spec?.behavior ?? {};
      expect(scaleDown?.stabilizationWindowSeconds, name).toBe(300);
      expect(scaleUp?.stabilizationWindowSeconds, name).toBe(0);
      expect(scaleUp?.selectPolicy ?? 'Max', name).toBe('Max');
      // fast growth: some policy at least doubles, or adds 4 pods, within 15 s
      const fast = (scaleUp?.policies ?? []).some(
        (p) => p.periodSeconds <= 15 && ((p.type === 'Percent' && p.value >= 100) || (p.type === 'Pods' && p.value >= 4)),
      );
      expect(fast, name).toBe(true);
    }
  });

  it('routes / (and the page\'s own /api/overview) to the dashboard and /api to the gateway for microservices-demo.local', () => {
    const [ingress, ...others] = ofKind<V1Ingress>(objects, 'Ingress');
    expect(others).toEqual([]);
    expect(ingress?.spec?.ingressClassName).toMatch(/^\S+$/);
    const rules = ingress?.spec?.rules ?? [];
    expect(rules.map((r) => r.host)).toEqual(['microservices-demo.local']);
    const paths = rules[0]?.http?.paths ?? [];
    const routes = Object.fromEntries(paths.map((p) => [p.path, [p.pathType, p.backend.service?.name, p.backend.service?.port?.name]]));
    expect(routes).toEqual({
      '/': ['Prefix', 'dashboard', 'http'],
      '/api': ['Prefix', 'api-gateway', 'http'],
      '/api/overview': ['Exact', 'dashboard', 'http'],
    });
    for (const { backend } of paths) {
      const service = named<V1Service>(objects, 'Service', backend.service?.name ?? '');
      expect(service.spec?.ports?.map((p) => p.name)).toContain(backend.service?.port?.name);
    }
  });

  if (target === 'base') {
    it('keeps every Service cluster-internal and the test toggles off', () => {
      for (const service of services) {
        expect(service.spec?.type, describeObject(service)).toBe('ClusterIP');
        expect(service.spec?.ports?.some((p) => p.nodePort !== undefined), describeObject(service)).toBe(false);
      }
      for (const { container } of containersOf(objects)) expect(envValue(container, 'ENABLE_TEST_TOGGLES')).toBeUndefined();
    });
  } else {
    it('publishes api-gateway, dashboard and worker on the fixed NodePorts, and only those', () => {
      for (const service of services) {
        const name = service.metadata?.name ?? '';
        const nodePort = NODE_PORTS[name as keyof typeof NODE_PORTS];
        if (nodePort === undefined) {
          expect(service.spec?.type, name).toBe('ClusterIP');
        } else {
          expect(service.spec?.type, name).toBe('NodePort');
          expect(service.spec?.ports?.map((p) => p.nodePort), name).toEqual([nodePort]);
        }
      }
    });

    it('logs at info', () => {
      expect(named<V1ConfigMap>(objects, 'ConfigMap', 'microservices-config').data?.['LOG_LEVEL']).toBe('info');
    });

    it(`switches the test toggles ${target === 'local' ? 'off everywhere' : 'on for the gateway and the worker only'}`, () => {
      for (const { deployment: d, container } of containersOf(objects)) {
        const expected = target !== 'local' && ['api-gateway', 'worker'].includes(d.metadata?.name ?? '') ? 'true' : undefined;
        expect(envValue(container, 'ENABLE_TEST_TOGGLES'), describeObject(d)).toBe(expected);
      }
    });
  }

  if (target === 'no-drain') {
    it('differs from the test overlay only in the gateway, which loses its preStop hook and drain', () => {
      const test = rendered.test;
      expect(objects.filter((o) => describeObject(o) !== 'Deployment/api-gateway')).toEqual(
        test.filter((o) => describeObject(o) !== 'Deployment/api-gateway'),
      );
      const gateway = mainContainer('api-gateway');
      const testGateway = named<V1Deployment>(test, 'Deployment', 'api-gateway');
      expect(testGateway.spec?.template.spec?.containers[0]?.lifecycle?.preStop?.sleep?.seconds).toBeGreaterThan(0);
      expect(gateway.lifecycle?.preStop).toBeUndefined();
      expect(envValue(gateway, 'SHUTDOWN_DRAIN_SECONDS')).toBe('0');
      expect(podSpec(deployment('api-gateway')).terminationGracePeriodSeconds).toBeLessThan(
        podSpec(testGateway).terminationGracePeriodSeconds!,
      );
      for (const name of ['worker', 'dashboard']) {
        expect(mainContainer(name).lifecycle?.preStop?.sleep?.seconds, name).toBeGreaterThan(0);
      }
    });
  }
});

function sampleDeployment(): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'sample', labels: { app: 'sample' } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'sample' } },
      template: {
        metadata: { labels: { app: 'sample' } },
        spec: {
          containers: [
            {
              name: 'sample',
              image: 'example/sample:1',
              ports: [{ name: 'http', containerPort: 8080 }],
              readinessProbe: { httpGet: { path: '/ready', port: 'http' } },
              resources: { requests: { cpu: '100m', memory: '128Mi' } },
            },
          ],
        },
      },
    },
  };
}
