// What the manifests promise for a node drain and a node loss (scenarios/node-failure.test.ts proves it on a cluster):
// budgets that let a drain proceed one pod at a time, replicas spread over nodes, and a known, short time before the
// pods of a dead node are replaced.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubernetesObject, V1Deployment, V1LabelSelector, V1PodDisruptionBudget, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { allowedDisruptions, desiredHealthy } from '../harness/kube/disruption-budget.js';
import { renderKustomization } from '../harness/kustomize.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const TARGETS = ['base', 'overlays/test', 'overlays/local'] as const;
const rendered = Object.fromEntries(
  await Promise.all(TARGETS.map(async (target) => [target, await renderKustomization(path.join(here, target))] as const)),
) as Record<(typeof TARGETS)[number], KubernetesObject[]>;

/** The workloads that serve users through a Service and must survive a node: budget and spread. */
const SPREAD = ['api-gateway', 'dashboard'] as const;
/** Longest time a pod may stay bound to a not-ready or unreachable node (Kubernetes' default is 300 s). */
const MAX_TOLERATION_SECONDS = 30;

const ofKind = <T extends KubernetesObject>(objects: KubernetesObject[], kind: string): T[] => objects.filter((o) => o.kind === kind) as T[];
const byName = <T extends KubernetesObject>(objects: KubernetesObject[], kind: string, name: string): T | undefined =>
  ofKind<T>(objects, kind).find((o) => o.metadata?.name === name);
const selects = (selector: V1LabelSelector | undefined, labels: Record<string, string> | undefined): boolean =>
  Object.entries(selector?.matchLabels ?? {}).every(([key, value]) => labels?.[key] === value) && (selector?.matchExpressions ?? []).length === 0;

describe.each(TARGETS)('%s: node drain and node loss', (target) => {
  const objects = rendered[target];
  const deployments = ofKind<V1Deployment>(objects, 'Deployment');
  const deployment = (name: string): V1Deployment => {
    const found = byName<V1Deployment>(objects, 'Deployment', name);
    if (!found) throw new Error(`Deployment/${name} is not rendered`);
    return found;
  };

  it.each(SPREAD)('%s has a PodDisruptionBudget that selects exactly its pods', (name) => {
    const budget = byName<V1PodDisruptionBudget>(objects, 'PodDisruptionBudget', name);
    expect(budget, `PodDisruptionBudget/${name}`).toBeDefined();
    expect(budget!.spec?.selector).toEqual(deployment(name).spec?.selector);
    const matching = deployments.filter((d) => selects(budget!.spec?.selector, d.spec?.template.metadata?.labels));
    expect(matching.map((d) => d.metadata?.name)).toEqual([name]);
  });

  it.each(SPREAD)('%s: its budget lets a drain evict one pod at a time yet keeps one serving, at every replica count it runs at', (name) => {
    const budget = byName<V1PodDisruptionBudget>(objects, 'PodDisruptionBudget', name)!;
    const hpa = byName<V2HorizontalPodAutoscaler>(objects, 'HorizontalPodAutoscaler', name);
    const low = hpa?.spec?.minReplicas ?? deployment(name).spec?.replicas ?? 1;
    const high = hpa?.spec?.maxReplicas ?? deployment(name).spec?.replicas ?? 1;
    expect(low, `${name} runs at least 2 replicas, or a drain must choose between blocking and an outage`).toBeGreaterThanOrEqual(2);
    for (let replicas = low; replicas <= high; replicas += 1) {
      expect(allowedDisruptions(budget, replicas), `${name} at ${replicas} replicas: evictions allowed`).toBe(1);
      expect(desiredHealthy(budget, replicas), `${name} at ${replicas} replicas: pods kept`).toBeGreaterThanOrEqual(1);
    }
    // A not-ready pod serves nothing: evicting it must not need (or use up) the budget, or it could block a drain.
    expect(budget.spec?.unhealthyPodEvictionPolicy).toBe('AlwaysAllow');
  });

  it.each(SPREAD)('%s spreads its replicas over nodes, leaving out nodes it cannot go to (cordoned, dead)', (name) => {
    const d = deployment(name);
    const constraints = (d.spec?.template.spec?.topologySpreadConstraints ?? []).filter((c) => c.topologyKey === 'kubernetes.io/hostname');
    expect(constraints).toHaveLength(1);
    const [spread] = constraints;
    expect(spread).toMatchObject({ maxSkew: 1, whenUnsatisfiable: 'DoNotSchedule', nodeTaintsPolicy: 'Honor', nodeAffinityPolicy: 'Honor' });
    expect(spread!.labelSelector).toEqual(d.spec?.selector);
    expect(spread!.matchLabelKeys).toEqual(['pod-template-hash']);
  });

  it('tolerates a not-ready or unreachable node for a set, short time on every Deployment (NoExecute)', () => {
    expect(deployments.length).toBeGreaterThan(0);
    for (const d of deployments) {
      const tolerations = d.spec?.template.spec?.tolerations ?? [];
      const seconds = ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'].map((key) => {
        const matching = tolerations.filter((t) => t.key === key);
        expect(matching, `${d.metadata?.name} ${key}`).toHaveLength(1);
        expect(matching[0], `${d.metadata?.name} ${key}`).toMatchObject({ operator: 'Exists', effect: 'NoExecute' });
        return matching[0]!.tolerationSeconds;
      });
      expect(seconds[0], `${d.metadata?.name}: not-ready and unreachable alike`).toBe(seconds[1]);
      expect(seconds[0], `${d.metadata?.name} tolerationSeconds`).toBeGreaterThan(0);
      expect(seconds[0], `${d.metadata?.name} tolerationSeconds`).toBeLessThanOrEqual(MAX_TOLERATION_SECONDS);
    }
  });
});

describe('disruption budget arithmetic (as the disruption controller computes it)', () => {
  const budget = (spec: V1PodDisruptionBudget['spec']): V1PodDisruptionBudget => ({ spec });
  it('maxUnavailable: expected minus it, percentages rounded up', () => {
    expect(desiredHealthy(budget({ maxUnavailable: 1 }), 4)).toBe(3);
    expect(desiredHealthy(budget({ maxUnavailable: '25%' }), 5)).toBe(3); // 1.25 -> 2 unavailable
    expect(allowedDisruptions(budget({ maxUnavailable: 1 }), 1)).toBe(1);
  });
  it('minAvailable: as given, percentages rounded up; 1 of 1 allows no eviction at all', () => {
    expect(desiredHealthy(budget({ minAvailable: '50%' }), 3)).toBe(2);
    expect(allowedDisruptions(budget({ minAvailable: 1 }), 1)).toBe(0);
    expect(allowedDisruptions(budget({ minAvailable: 1 }), 2)).toBe(1);
  });
});
