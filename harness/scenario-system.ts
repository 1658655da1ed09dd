import type { KubernetesObject, V1Ingress, V1Service } from '@kubernetes/client-node';
import { afterAll, beforeAll } from 'vitest';
import type { ConnectedCluster } from './cluster/connected-cluster.js';
import { applyObjects } from './kube/apply.js';
import { discardNamespace, waitUntilNotTerminating } from './kube/namespaces.js';
import { INGRESS_HOST, laneNodePorts, NAMESPACE, NODE_PORTS, MAX_SCENARIO_LANES, TEST_OVERLAY, type SystemNodePorts } from './system.js';

/** Where one scenario file's copy of the system lives: its own namespace, NodePorts and Ingress host. */
export interface SystemPlacement {
  scenario: string;
  namespace: string;
  /** 0 .. MAX_SCENARIO_LANES - 1: which set of NodePorts, so files running side by side never share one. */
  lane: number;
  nodePorts: SystemNodePorts;
  ingressHost: string;
}

/**
 * The lane of this test worker: vitest numbers its workers 1..maxWorkers (VITEST_POOL_ID), and a worker runs one
 * file at a time, so two files running at once never have the same lane.
 */
export function currentLane(): number {
  const poolId = Number(process.env.VITEST_POOL_ID ?? '1');
  if (!Number.isInteger(poolId) || poolId < 1 || poolId > MAX_SCENARIO_LANES) {
    throw new Error(`VITEST_POOL_ID=${process.env.VITEST_POOL_ID}: the scenarios project runs at most ${MAX_SCENARIO_LANES} workers, one per lane of NodePorts (MAX_SCENARIO_LANES, harness/system.ts)`);
  }
  return poolId - 1;
}

export function placementFor(scenario: string, lane = currentLane()): SystemPlacement {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(scenario)) throw new Error(`scenario name '${scenario}' is not a DNS label`);
  return { scenario, namespace: `${NAMESPACE}-${scenario}`, lane, nodePorts: laneNodePorts(lane), ingressHost: `${scenario}.${INGRESS_HOST}` };
}

const NODE_PORT_OF_SERVICE: Record<string, keyof SystemNodePorts> = { dashboard: 'dashboard', 'api-gateway': 'apiGateway', worker: 'worker' };

/**
 * The test overlay's objects moved to a placement (a pure function of them): every object into its namespace, the
 * Namespace renamed, the fixed NodePorts to its lane's, the Ingress rule to its host. Objects are copied, not changed.
 */
export function placeSystem(objects: readonly KubernetesObject[], placement: SystemPlacement): KubernetesObject[] {
  return objects.map((original) => {
    const object = structuredClone(original);
    const { kind, metadata } = object;
    if (kind === 'Namespace') {
      if (metadata?.name !== NAMESPACE) throw new Error(`unexpected Namespace ${metadata?.name} in ${TEST_OVERLAY}`);
      metadata.name = placement.namespace;
      return object;
    }
    if (metadata?.namespace !== NAMESPACE) {
      throw new Error(`${kind}/${metadata?.name} is not in namespace ${NAMESPACE}: a copy of the system per scenario cannot place it`);
    }
    metadata.namespace = placement.namespace;
    if (kind === 'Service') {
      const service = object as V1Service;
      for (const port of service.spec?.ports ?? []) {
        if (port.nodePort === undefined) continue;
        const key = NODE_PORT_OF_SERVICE[metadata.name ?? ''];
        if (!key || port.nodePort !== NODE_PORTS[key]) throw new Error(`Service ${metadata.name} has NodePort ${port.nodePort}, which no lane maps`);
        port.nodePort = placement.nodePorts[key];
      }
    }
    if (kind === 'Ingress') {
      const ingress = object as V1Ingress;
      for (const rule of ingress.spec?.rules ?? []) if (rule.host === INGRESS_HOST) rule.host = placement.ingressHost;
      for (const tls of ingress.spec?.tls ?? []) tls.hosts = tls.hosts?.map((host) => (host === INGRESS_HOST ? placement.ingressHost : host));
    }
    return object;
  });
}

/** Applies the test overlay at a placement and waits (watch, deadline) until every Deployment is available. */
export async function deploySystem(
  cluster: ConnectedCluster,
  placement: SystemPlacement,
  adjust: (objects: KubernetesObject[]) => KubernetesObject[] = (objects) => objects,
): Promise<KubernetesObject[]> {
  const objects = adjust(placeSystem(await cluster.render(TEST_OVERLAY), placement));
  await waitUntilNotTerminating(cluster.clients, placement.namespace); // the same file, run again at once
  await applyObjects(cluster.clients, objects);
  await cluster.waitForDeployments(placement.namespace);
  return objects;
}

/**
 * In a scenario file's describe, before its other hooks: deploys the file's own copy of the system (beforeAll)
 * and discards it when the file is done (afterAll): its Services at once, so the next file in the lane gets the
 * NodePorts, and the namespace in the background.
 */
export function useSystem(
  cluster: ConnectedCluster,
  scenario: string,
  options: { adjust?: (objects: KubernetesObject[]) => KubernetesObject[] } = {},
): SystemPlacement {
  const placement = placementFor(scenario);
  beforeAll(async () => {
    const started = Date.now();
    await deploySystem(cluster, placement, options.adjust);
    console.log(`[${scenario}] the system is available in namespace ${placement.namespace} (lane ${placement.lane}) after ${(Date.now() - started) / 1000} s`);
  });
  afterAll(async () => {
    await discardNamespace(cluster.clients, placement.namespace);
  });
  return placement;
}
