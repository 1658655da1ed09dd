import { BlockList } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubernetesObject, V1Deployment, V1IPBlock, V1LabelSelector, V1NetworkPolicy, V1NetworkPolicyIngressRule, V1NetworkPolicyPeer, V1NetworkPolicyPort, V1Service } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { renderKustomization } from '../harness/kustomize.js';
import { deployedKustomizations } from './deployed-kustomizations.js';

// The NetworkPolicies of both systems, read as the rule of who may talk to whom inside a namespace: a connection
// between two workloads is open when a policy selecting the server lets the client in and a policy selecting the
// client lets it out, on the server's port (as every enforcer evaluates them). The matrix of open connections must be
// exactly the design's. scenarios/isolation.test.ts proves the same on the live cluster.
const here = path.dirname(fileURLToPath(import.meta.url));
const render = (dir: string) => renderKustomization(path.join(here, dir));
const [system, singlePod, split, faults, failingMigrate] = await Promise.all([
  render('overlays/test'),
  render('maya-sawa/overlays/single-pod'),
  render('maya-sawa/overlays/split'),
  render('maya-sawa/overlays/faults'),
  render('maya-sawa/overlays/failing-migrate'),
]);
/** Every overlay of both systems, found on disk (the ingress controller aside). */
const systemOverlays = await Promise.all(
  deployedKustomizations()
    .filter((dir) => !dir.startsWith('ingress-controller'))
    .map(async (dir) => [dir, await render(dir)] as const),
);
/** Every overlay that publishes NodePorts. */
const withNodePorts = await Promise.all(
  ['overlays/test', 'overlays/local', 'overlays/no-drain', 'maya-sawa/overlays/single-pod', 'maya-sawa/overlays/split', 'maya-sawa/overlays/faults', 'maya-sawa/overlays/failing-migrate'].map(
    async (dir) => [dir, await render(dir)] as const,
  ),
);

type Labels = Record<string, string>;

function selects(selector: V1LabelSelector | undefined, labels: Labels): boolean {
  if (!selector) return false;
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  const byExpressions = (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    switch (operator) {
      case 'In':
        return key in labels && values.includes(labels[key]!);
      case 'NotIn':
        return !(key in labels) || !values.includes(labels[key]!);
      case 'Exists':
        return key in labels;
      case 'DoesNotExist':
        return !(key in labels);
      default:
        throw new Error(`unknown operator ${operator}`);
    }
  });
  return byLabels && byExpressions;
}

/** A peer of the same namespace (no namespaceSelector, no ipBlock) that selects these labels. */
const samePodPeer = (peer: V1NetworkPolicyPeer, labels: Labels): boolean => !peer.namespaceSelector && !peer.ipBlock && selects(peer.podSelector, labels);
/** The rendered YAML's `from` (client-node's model calls it `_from`; these objects are plain YAML). */
const fromPeers = (rule: V1NetworkPolicyIngressRule): V1NetworkPolicyPeer[] => (rule as { from?: V1NetworkPolicyPeer[] }).from ?? [];
const portMatches = (ports: V1NetworkPolicyPort[] | undefined, port: number): boolean => !ports || ports.some((p) => p.port === port);

interface Workload {
  name: string;
  labels: Labels;
  ports: number[];
  portNames: Map<string, number>;
}

function workloads(objects: KubernetesObject[]): Workload[] {
  return objects
    .filter((o): o is V1Deployment => o.kind === 'Deployment')
    .map((d) => {
      const ports = d.spec!.template.spec!.containers.flatMap((c) => c.ports ?? []);
      return {
        name: d.metadata!.name!,
        labels: d.spec!.template.metadata!.labels!,
        ports: ports.map((p) => p.containerPort),
        portNames: new Map(ports.flatMap((p) => (p.name ? [[p.name, p.containerPort] as const] : []))),
      };
    });
}

/** A NodePort connection's source as the server pod sees it when kube-proxy did not make it the node's own: another node's address (the cluster's Docker network). */
const OUTSIDE_ADDRESS = '172.18.0.3';
const POD_ADDRESS = '10.42.0.77';

function ipBlockAdmits(block: V1IPBlock, address: string): boolean {
  const inside = new BlockList();
  const [network, prefix] = block.cidr.split('/');
  inside.addSubnet(network!, Number(prefix));
  const excepted = new BlockList();
  for (const cidr of block.except ?? []) {
    const [net, bits] = cidr.split('/');
    excepted.addSubnet(net!, Number(bits));
  }
  return inside.check(address) && !excepted.check(address);
}

/** "service:nodePort -> workload:port" for every NodePort, with whether a policy lets in the given source address. */
function nodePortsAdmitting(objects: KubernetesObject[], address: string): Record<string, boolean> {
  const policies = objects.filter((o): o is V1NetworkPolicy => o.kind === 'NetworkPolicy').filter((p) => (p.spec?.policyTypes ?? []).includes('Ingress'));
  const services = objects.filter((o): o is V1Service => o.kind === 'Service').filter((s) => s.spec?.type === 'NodePort');
  const admitted: Record<string, boolean> = {};
  for (const service of services) {
    for (const servicePort of service.spec!.ports ?? []) {
      for (const workload of workloads(objects).filter((w) => Object.entries(service.spec!.selector ?? {}).every(([key, value]) => w.labels[key] === value))) {
        const target = servicePort.targetPort ?? servicePort.port;
        const port = typeof target === 'number' ? target : (workload.portNames.get(target) ?? Number(target));
        admitted[`${service.metadata!.name}:${servicePort.nodePort} -> ${workload.name}:${port}`] = policies.some(
          (p) =>
            selects(p.spec!.podSelector, workload.labels) &&
            (p.spec!.ingress ?? []).some((rule) => portMatches(rule.ports, port) && fromPeers(rule).some((peer) => peer.ipBlock !== undefined && ipBlockAdmits(peer.ipBlock, address))),
        );
      }
    }
  }
  return admitted;
}

/** The label the namespace a Prometheus runs in carries (README: "Network policy and Pod Security"). */
const METRICS_SCRAPER = { 'kube-microservices-suite.io/metrics-scraper': 'true' };

/**
 * "workload:port" for every port of every workload that a policy lets in from any pod of a namespace with these labels
 * (a peer whose namespaceSelector selects them, with no podSelector or one that selects every pod).
 */
function admittedFromNamespace(objects: KubernetesObject[], namespaceLabels: Labels): string[] {
  const policies = objects.filter((o): o is V1NetworkPolicy => o.kind === 'NetworkPolicy').filter((p) => (p.spec?.policyTypes ?? []).includes('Ingress'));
  const anyPod = (peer: V1NetworkPolicyPeer) => !peer.podSelector || (Object.keys(peer.podSelector.matchLabels ?? {}).length === 0 && (peer.podSelector.matchExpressions ?? []).length === 0);
  const admitted: string[] = [];
  for (const workload of workloads(objects)) {
    for (const port of workload.ports) {
      const admits = policies.some(
        (p) =>
          selects(p.spec!.podSelector, workload.labels) &&
          (p.spec!.ingress ?? []).some((rule) => portMatches(rule.ports, port) && fromPeers(rule).some((peer) => !peer.ipBlock && selects(peer.namespaceSelector, namespaceLabels) && anyPod(peer))),
      );
      if (admits) admitted.push(`${workload.name}:${port}`);
    }
  }
  return admitted.sort();
}

/** "client -> server:port" for every pair of workloads the policies let talk. */
function openConnections(objects: KubernetesObject[]): string[] {
  const policies = objects.filter((o): o is V1NetworkPolicy => o.kind === 'NetworkPolicy');
  const all = workloads(objects);
  const applying = (labels: Labels, type: 'Ingress' | 'Egress') => policies.filter((p) => p.spec?.policyTypes?.includes(type) && selects(p.spec.podSelector, labels));
  const open: string[] = [];
  for (const client of all) {
    for (const server of all) {
      for (const port of server.ports) {
        const inAllowed = applying(server.labels, 'Ingress').some((p) => (p.spec?.ingress ?? []).some((rule) => portMatches(rule.ports, port) && fromPeers(rule).some((peer) => samePodPeer(peer, client.labels))));
        const outAllowed = applying(client.labels, 'Egress').some((p) => (p.spec?.egress ?? []).some((rule) => portMatches(rule.ports, port) && (rule.to ?? []).some((peer) => samePodPeer(peer, server.labels))));
        if (inAllowed && outAllowed) open.push(`${client.name} -> ${server.name}:${port}`);
      }
    }
  }
  return open.sort();
}

describe('NetworkPolicies: who may talk to whom inside each namespace', () => {
  it.each([
    ['the monitoring system', system],
    ['maya-sawa single-pod', singlePod],
    ['maya-sawa split', split],
    ['maya-sawa faults', faults],
  ])('%s denies every pod both directions by default', (_, objects) => {
    const deny = objects.find((o): o is V1NetworkPolicy => o.kind === 'NetworkPolicy' && o.metadata?.name === 'default-deny');
    expect(deny?.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  });

  it('the monitoring system: gateway and worker reach Redis, the dashboard reaches gateway and worker, nothing else', () => {
    expect(openConnections(system)).toEqual(['api-gateway -> redis:6379', 'dashboard -> api-gateway:8080', 'dashboard -> worker:8081', 'worker -> redis:6379']);
  });

  it('maya-sawa, in both forms: the app pods reach PostgreSQL, Redis and the OpenAI stand-in, nothing else', () => {
    const singlePodPaths = ['maya-sawa-v2 -> openai-stand-in:8090', 'maya-sawa-v2 -> postgres:5432', 'maya-sawa-v2 -> redis:6379'];
    expect(openConnections(singlePod)).toEqual(singlePodPaths);
    expect(openConnections(faults)).toEqual(singlePodPaths);
    expect(openConnections(split)).toEqual([
      'maya-sawa-web -> openai-stand-in:8090',
      'maya-sawa-web -> postgres:5432',
      'maya-sawa-web -> redis:6379',
      'maya-sawa-worker -> openai-stand-in:8090',
      'maya-sawa-worker -> postgres:5432',
      'maya-sawa-worker -> redis:6379',
    ]);
  });

  it.each(withNodePorts)('%s: every NodePort lets in what comes from outside the pod network, and no pod through it', (_, objects) => {
    const fromOutside = nodePortsAdmitting(objects, OUTSIDE_ADDRESS);
    expect(Object.keys(fromOutside).length, 'NodePorts found').toBeGreaterThan(0);
    expect(fromOutside).toEqual(Object.fromEntries(Object.keys(fromOutside).map((key) => [key, true])));
    const fromPods = nodePortsAdmitting(objects, POD_ADDRESS);
    expect(fromPods).toEqual(Object.fromEntries(Object.keys(fromPods).map((key) => [key, false])));
  });

  // Where /metrics is served: every workload's port but the datastores' (each of the services', maya-sawa web's and the
  // OpenAI stand-in's is an HTTP port of services/shared/src/http-app.ts, which serves /metrics; maya-sawa's worker
  // has none). Redis and PostgreSQL serve no metrics.
  const metricsPorts = (objects: KubernetesObject[]) =>
    workloads(objects)
      .filter((w) => !['redis', 'postgres'].includes(w.name))
      .flatMap((w) => w.ports.map((port) => `${w.name}:${port}`))
      .sort();

  it('serves /metrics where the design says: the services, maya-sawa web (its container in the single pod) and the stand-in', () => {
    expect(metricsPorts(system)).toEqual(['api-gateway:8080', 'dashboard:3000', 'worker:8081']);
    for (const objects of [singlePod, faults, failingMigrate]) expect(metricsPorts(objects)).toEqual(['maya-sawa-v2:8000', 'openai-stand-in:8090']);
    expect(metricsPorts(split)).toEqual(['maya-sawa-web:8000', 'openai-stand-in:8090']);
  });

  it.each(systemOverlays)('%s: a namespace labelled kube-microservices-suite.io/metrics-scraper=true reaches every /metrics port, nothing else; another namespace none', (_, objects) => {
    expect(metricsPorts(objects).length, '/metrics ports found').toBeGreaterThan(0);
    expect(admittedFromNamespace(objects, { ...METRICS_SCRAPER, 'kubernetes.io/metadata.name': 'monitoring' })).toEqual(metricsPorts(objects));
    expect(admittedFromNamespace(objects, { 'kubernetes.io/metadata.name': 'monitoring' })).toEqual([]);
    expect(admittedFromNamespace(objects, { 'kube-microservices-suite.io/metrics-scraper': 'false', 'kubernetes.io/metadata.name': 'monitoring' })).toEqual([]);
  });

  it('lets every pod ask CoreDNS, and nothing outside the namespace but CoreDNS and the ingress controller', () => {
    for (const objects of [system, singlePod, split, faults]) {
      const peers = objects
        .filter((o): o is V1NetworkPolicy => o.kind === 'NetworkPolicy')
        .flatMap((p) => [...(p.spec?.ingress ?? []).flatMap(fromPeers), ...(p.spec?.egress ?? []).flatMap((r) => r.to ?? [])])
        .filter((peer) => peer.namespaceSelector);
      const named = peers.map((peer) => JSON.stringify([peer.namespaceSelector, peer.podSelector]));
      expect(new Set(named).size, 'distinct outside peers').toBeLessThanOrEqual(3);
      for (const peer of peers) {
        const namespaceOk =
          selects(peer.namespaceSelector, { 'kubernetes.io/metadata.name': 'kube-system' }) || selects(peer.namespaceSelector, METRICS_SCRAPER);
        expect(namespaceOk, JSON.stringify(peer)).toBe(true);
      }
    }
  });
});
