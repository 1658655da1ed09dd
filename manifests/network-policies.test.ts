import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubernetesObject, V1Deployment, V1LabelSelector, V1NetworkPolicy, V1NetworkPolicyIngressRule, V1NetworkPolicyPeer, V1NetworkPolicyPort } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { renderKustomization } from '../harness/kustomize.js';

// The NetworkPolicies of both systems, read as the rule of who may talk to whom inside a namespace: a connection
// between two workloads is open when a policy selecting the server lets the client in and a policy selecting the
// client lets it out, on the server's port (as every enforcer evaluates them). The matrix of open connections must be
// exactly the design's. scenarios/isolation.test.ts proves the same on the live cluster.
const here = path.dirname(fileURLToPath(import.meta.url));
const render = (dir: string) => renderKustomization(path.join(here, dir));
const [system, singlePod, split] = await Promise.all([render('overlays/test'), render('maya-sawa/overlays/single-pod'), render('maya-sawa/overlays/split')]);

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
}

function workloads(objects: KubernetesObject[]): Workload[] {
  return objects
    .filter((o): o is V1Deployment => o.kind === 'Deployment')
    .map((d) => ({
      name: d.metadata!.name!,
      labels: d.spec!.template.metadata!.labels!,
      ports: d.spec!.template.spec!.containers.flatMap((c) => (c.ports ?? []).map((p) => p.containerPort)),
    }));
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
  ])('%s denies every pod both directions by default', (_, objects) => {
    const deny = objects.find((o): o is V1NetworkPolicy => o.kind === 'NetworkPolicy' && o.metadata?.name === 'default-deny');
    expect(deny?.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  });

  it('the monitoring system: gateway and worker reach Redis, the dashboard reaches gateway and worker, nothing else', () => {
    expect(openConnections(system)).toEqual(['api-gateway -> redis:6379', 'dashboard -> api-gateway:8080', 'dashboard -> worker:8081', 'worker -> redis:6379']);
  });

  it('maya-sawa, in both forms: the app pods reach PostgreSQL and Redis, nothing else', () => {
    expect(openConnections(singlePod)).toEqual(['maya-sawa-v2 -> postgres:5432', 'maya-sawa-v2 -> redis:6379']);
    expect(openConnections(split)).toEqual([
      'maya-sawa-web -> postgres:5432',
      'maya-sawa-web -> redis:6379',
      'maya-sawa-worker -> postgres:5432',
      'maya-sawa-worker -> redis:6379',
    ]);
  });

  it('lets every pod ask CoreDNS, and nothing outside the namespace but CoreDNS and the ingress controller', () => {
    for (const objects of [system, singlePod, split]) {
      const peers = objects
        .filter((o): o is V1NetworkPolicy => o.kind === 'NetworkPolicy')
        .flatMap((p) => [...(p.spec?.ingress ?? []).flatMap(fromPeers), ...(p.spec?.egress ?? []).flatMap((r) => r.to ?? [])])
        .filter((peer) => peer.namespaceSelector);
      const named = peers.map((peer) => JSON.stringify([peer.namespaceSelector, peer.podSelector]));
      expect(new Set(named).size, 'distinct outside peers').toBeLessThanOrEqual(3);
      for (const peer of peers) {
        const namespaceOk =
          selects(peer.namespaceSelector, { 'kubernetes.io/metadata.name': 'kube-system' }) || selects(peer.namespaceSelector, { 'kube-microservices-suite.io/metrics-scraper': 'true' });
        expect(namespaceOk, JSON.stringify(peer)).toBe(true);
      }
    }
  });
});
