import type { KubernetesObject, V1Ingress, V1Service } from '@kubernetes/client-node';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../images/catalog.js';
import { renderKustomization } from './kustomize.js';
import { placementFor, placeSystem } from './scenario-system.js';
import { MAX_SCENARIO_LANES, NAMESPACE, SCENARIO_NODE_PORTS, scenarioLanes, TEST_OVERLAY } from './system.js';

describe('a copy of the system per scenario file', () => {
  let overlay: KubernetesObject[];

  beforeAll(async () => {
    overlay = await renderKustomization(join(repoRoot, TEST_OVERLAY));
  });

  const nodePorts = (objects: KubernetesObject[]): Record<string, number[]> =>
    Object.fromEntries(
      objects.filter((o): o is V1Service => o.kind === 'Service').map((s) => [s.metadata!.name!, (s.spec?.ports ?? []).flatMap((p) => (p.nodePort ? [p.nodePort] : []))]),
    );

  it('moves every object to its namespace, its NodePorts to its lane and its Ingress to its host, leaving the original alone', () => {
    const before = structuredClone(overlay);
    const placed = placeSystem(overlay, placementFor('probes', 2));
    expect(overlay).toEqual(before);
    expect(placed.find((o) => o.kind === 'Namespace')?.metadata?.name).toBe(`${NAMESPACE}-probes`);
    expect(placed.filter((o) => o.kind !== 'Namespace').every((o) => o.metadata?.namespace === `${NAMESPACE}-probes`)).toBe(true);
    expect(nodePorts(overlay)).toEqual({ 'api-gateway': [30080], dashboard: [30000], redis: [], worker: [30081] });
    expect(nodePorts(placed)).toEqual({ 'api-gateway': [30280], dashboard: [30200], redis: [], worker: [30281] });
    const ingress = placed.find((o): o is V1Ingress => o.kind === 'Ingress');
    expect(ingress?.spec?.rules?.map((rule) => rule.host)).toEqual(['probes.microservices-demo.local']);
  });

  it('gives lane 0 the overlay\'s own NodePorts, and every lane ports the scenario cluster maps', () => {
    expect(nodePorts(placeSystem(overlay, placementFor('smoke', 0)))).toEqual(nodePorts(overlay));
    for (let lane = 0; lane < MAX_SCENARIO_LANES; lane += 1) {
      for (const port of Object.values(placementFor('smoke', lane).nodePorts)) expect(SCENARIO_NODE_PORTS).toContain(port);
    }
    expect(new Set(SCENARIO_NODE_PORTS).size, 'no NodePort in two lanes').toBe(SCENARIO_NODE_PORTS.length);
  });

  it('refuses what it cannot copy: a cluster-wide object, a NodePort no lane maps, a name that is not a DNS label', () => {
    const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'reader' } };
    expect(() => placeSystem([...overlay, role], placementFor('smoke', 0))).toThrow(/ClusterRole\/reader is not in namespace microservices-demo/);
    const odd = structuredClone(overlay);
    (odd.find((o) => o.kind === 'Service' && o.metadata?.name === 'worker') as V1Service).spec!.ports![0]!.nodePort = 31999;
    expect(() => placeSystem(odd, placementFor('smoke', 0))).toThrow(/Service worker has NodePort 31999/);
    expect(() => placementFor('Node_Failure', 0)).toThrow(/not a DNS label/);
  });

  it('has as many lanes as the cluster maps, and no other', () => {
    expect(() => placementFor('smoke', MAX_SCENARIO_LANES)).toThrow(/lane 4: the lanes are 0 to 3/);
    expect(() => placementFor('smoke', -1)).toThrow(/the lanes are 0 to 3/);
  });

  it('runs one file per core (CPU requests bound it), at most one per lane, unless KMS_SCENARIO_LANES says otherwise', () => {
    expect([1, 2, 3, 16].map((cores) => scenarioLanes({}, cores))).toEqual([1, 2, 3, MAX_SCENARIO_LANES]);
    expect(scenarioLanes({ KMS_SCENARIO_LANES: '1' }, 2)).toBe(1);
    expect(() => scenarioLanes({ KMS_SCENARIO_LANES: '5' }, 2)).toThrow(/KMS_SCENARIO_LANES=5: give a whole number from 1 to 4/);
  });
});
