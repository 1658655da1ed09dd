import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type {
  KubernetesObject,
  V1ClusterRole,
  V1ClusterRoleBinding,
  V1Role,
  V1RoleBinding,
  V1Container,
  V1Deployment,
  V1Ingress,
  V1IngressClass,
  V1Service,
} from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { imageSpec, manifestImageRef } from '../../images/catalog.js';
import { INGRESS_CONTROLLER } from '../../harness/cluster/ingress-controller.js';
import { NAMESPACE } from '../../harness/system.js';
import { renderKustomization } from '../../harness/kustomize.js';
import { describeObject, validateObject } from '../validate.js';

const manifests = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const controller = await renderKustomization(path.join(manifests, 'ingress-controller/traefik'));
const systems = Object.fromEntries(
  await Promise.all(
    ['base', 'overlays/test', 'overlays/local', 'overlays/no-drain'].map(async (dir) => [dir, await renderKustomization(path.join(manifests, dir))] as const),
  ),
);

function named<T extends KubernetesObject>(objects: KubernetesObject[], kind: string, name: string): T {
  const found = objects.find((o) => o.kind === kind && o.metadata?.name === name);
  if (!found) throw new Error(`${kind}/${name} is not in the rendered manifests`);
  return found as T;
}

const deployment = named<V1Deployment>(controller, 'Deployment', INGRESS_CONTROLLER.deployment);
const container: V1Container = deployment.spec!.template.spec!.containers[0]!;
const args = container.args ?? [];
/** The value of a `--flag=value` argument of the controller. */
const flag = (name: string): string | undefined => args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
const containerPort = (name: string): number | undefined => container.ports?.find((port) => port.name === name)?.containerPort;

/** Whether a (Cluster)Role grants a verb on a resource of an API group. */
function allows(role: V1ClusterRole | V1Role, group: string, resource: string, verb: string): boolean {
  return (role.rules ?? []).some((rule) => rule.apiGroups?.includes(group) && rule.resources?.includes(resource) && rule.verbs.includes(verb));
}

describe('ingress controller (manifests/ingress-controller/traefik)', () => {
  it.each(controller.map((o) => [describeObject(o), o] as const))('%s is valid against the Kubernetes schemas', (_, object) => {
    expect(validateObject(object)).toEqual([]);
  });

  it('has exactly the controller objects, named as k3s names its bundled Traefik (kube-system/traefik)', () => {
    expect(controller.map(describeObject).sort()).toEqual(
      [
        'ClusterRole/traefik-ingress-controller',
        'ClusterRoleBinding/traefik-ingress-controller',
        'Deployment/traefik',
        'IngressClass/traefik',
        'NetworkPolicy/traefik',
        'Service/traefik',
        'ServiceAccount/traefik',
      ].sort(),
    );
    for (const object of controller.filter((o) => ['Deployment', 'Service', 'ServiceAccount'].includes(o.kind ?? ''))) {
      expect(object.metadata?.namespace, describeObject(object)).toBe(INGRESS_CONTROLLER.namespace);
    }
  });

  it("provides the IngressClass that the system's Ingress names, for Traefik's controller", () => {
    for (const [dir, objects] of Object.entries(systems)) {
      const ingress = named<V1Ingress>(objects, 'Ingress', 'microservices-demo');
      const ingressClass = named<V1IngressClass>(controller, 'IngressClass', ingress.spec?.ingressClassName ?? '(none)');
      expect(ingressClass.spec?.controller, dir).toBe('traefik.io/ingress-controller');
    }
  });

  it("keeps the system's Ingress portable: no controller annotations, standard path types", () => {
    for (const [dir, objects] of Object.entries(systems)) {
      const ingress = named<V1Ingress>(objects, 'Ingress', 'microservices-demo');
      expect(ingress.metadata?.annotations ?? {}, dir).toEqual({});
      for (const rule of ingress.spec?.rules ?? []) {
        for (const { pathType } of rule.http?.paths ?? []) expect(['Exact', 'Prefix'], dir).toContain(pathType);
      }
    }
  });

  it('runs the image the harness loads (the catalog reference it rewrites), never pulled', () => {
    expect(container.image).toBe(manifestImageRef(imageSpec(INGRESS_CONTROLLER.image)));
    expect(container.imagePullPolicy).toBe('IfNotPresent');
  });

  it('publishes the web entrypoint on the fixed NodePort that the node container maps out', () => {
    const service = named<V1Service>(controller, 'Service', INGRESS_CONTROLLER.deployment);
    expect(service.spec?.type).toBe('NodePort');
    const [web, ...others] = service.spec?.ports ?? [];
    expect(others).toEqual([]);
    expect(web?.nodePort).toBe(INGRESS_CONTROLLER.webNodePort);
    expect(web?.targetPort).toBe('web');
    expect(flag('entrypoints.web.address')).toBe(`:${containerPort('web')}/tcp`);
    expect(service.spec?.selector).toEqual(deployment.spec?.selector.matchLabels);
    expect(Object.entries(service.spec?.selector ?? {}).every(([k, v]) => deployment.spec?.template.metadata?.labels?.[k] === v)).toBe(true);
  });

  it('is ready only when Traefik answers /ping, alive while that entrypoint accepts connections', () => {
    expect(flag('ping')).toBe('true');
    const pingEntrypoint = flag('ping.entrypoint') ?? 'traefik';
    expect(flag(`entrypoints.${pingEntrypoint}.address`)).toBe(`:${containerPort(pingEntrypoint)}/tcp`);
    expect(container.readinessProbe?.httpGet).toEqual({ path: '/ping', port: pingEntrypoint });
    expect(container.livenessProbe?.tcpSocket).toEqual({ port: pingEntrypoint });
  });

  it('watches Ingresses and balances over EndpointSlice endpoints (not the ClusterIP), with no calls out of the cluster', () => {
    expect(flag('providers.kubernetesingress')).toBe('true');
    // nativeLB would send everything through the ClusterIP, and Traefik would no longer see terminating endpoints.
    expect(args.some((arg) => /nativelb/i.test(arg))).toBe(false);
    expect(flag('global.checknewversion')).toBe('false');
    expect(flag('global.sendanonymoususage')).toBe('false');
  });

  it('may read what the Ingress provider watches, and only update Ingress status, through its own ServiceAccount', () => {
    const binding = named<V1ClusterRoleBinding>(controller, 'ClusterRoleBinding', 'traefik-ingress-controller');
    const role = named<V1ClusterRole>(controller, 'ClusterRole', binding.roleRef.name);
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: deployment.spec?.template.spec?.serviceAccountName, namespace: INGRESS_CONTROLLER.namespace }]);
    const reads: Array<[string, string]> = [['', 'services'], ['', 'nodes'], ['discovery.k8s.io', 'endpointslices'], ['networking.k8s.io', 'ingresses'], ['networking.k8s.io', 'ingressclasses']];
    for (const [group, resource] of reads) {
      for (const verb of ['list', 'watch']) expect(allows(role, group, resource, verb), `${verb} ${group}/${resource}`).toBe(true);
      // Traefik reads through informers only: a single Secret is not to be fetched by name either.
      expect(allows(role, group, resource, 'get'), `get ${group}/${resource}`).toBe(false);
    }
    expect(allows(role, 'networking.k8s.io', 'ingresses/status', 'update')).toBe(true);
    const writes = (role.rules ?? []).filter((rule) => rule.verbs.some((verb) => !['get', 'list', 'watch'].includes(verb)));
    expect(writes.flatMap((rule) => rule.resources)).toEqual(['ingresses/status']);
    for (const verb of ['get', 'list', 'watch']) expect(allows(role, '', 'secrets', verb), `${verb} secrets cluster-wide`).toBe(false);
  });

  it("reads Secrets only in the namespace it serves, the system's, which grants them to its ServiceAccount", () => {
    expect(flag('providers.kubernetesingress.namespaces')).toBe(NAMESPACE);
    for (const [dir, objects] of Object.entries(systems)) {
      const binding = named<V1RoleBinding>(objects, 'RoleBinding', 'ingress-controller-secrets');
      const role = named<V1Role>(objects, binding.roleRef.kind, binding.roleRef.name);
      expect(binding.subjects, dir).toEqual([{ kind: 'ServiceAccount', name: deployment.spec?.template.spec?.serviceAccountName, namespace: INGRESS_CONTROLLER.namespace }]);
      expect([binding.metadata?.namespace, role.metadata?.namespace], dir).toEqual([NAMESPACE, NAMESPACE]);
      expect(role.rules, dir).toEqual([{ apiGroups: [''], resources: ['secrets'], verbs: ['list', 'watch'] }]);
    }
  });

  it('runs unprivileged: non-root, read-only root filesystem, no capabilities, /tmp an emptyDir', () => {
    const pod = deployment.spec!.template.spec!;
    expect(pod.securityContext?.runAsNonRoot).toBe(true);
    expect(pod.securityContext?.seccompProfile?.type).toBe('RuntimeDefault');
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    const tmp = container.volumeMounts?.find((mount) => mount.mountPath === '/tmp');
    expect(pod.volumes?.find((volume) => volume.name === tmp?.name)?.emptyDir).toBeDefined();
    expect(container.resources?.limits).toBeDefined();
  });
});
