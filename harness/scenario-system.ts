import type { KubernetesObject, V1Ingress, V1Service } from '@kubernetes/client-node';
import { afterAll, beforeAll } from 'vitest';
import type { ConnectedCluster } from './cluster/connected-cluster.js';
import { applyObjects } from './kube/apply.js';
import { deleteServices, discardNamespace, waitUntilNotTerminating } from './kube/namespaces.js';
import { seconds } from './seconds.js';
import { INGRESS_HOST, laneNodePorts, NAMESPACE, NODE_PORTS, MAX_SCENARIO_LANES, scenarioLanes, TEST_OVERLAY, type SystemNodePorts } from './system.js';

/** Where one scenario file's copy of the system lives: its own namespace, NodePorts and Ingress host. */
export interface SystemPlacement {
  scenario: string;
  namespace: string;
  /** 0 .. MAX_SCENARIO_LANES - 1: which set of NodePorts (files running side by side never share one). */
  lane: number;
  nodePorts: SystemNodePorts;
  ingressHost: string;
}

export function placementFor(scenario: string, lane: number): SystemPlacement {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(scenario)) throw new Error(`scenario name '${scenario}' is not a DNS label`);
  if (!Number.isInteger(lane) || lane < 0 || lane >= MAX_SCENARIO_LANES) throw new Error(`lane ${lane}: the lanes are 0 to ${MAX_SCENARIO_LANES - 1}`);
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

const portTaken = (error: unknown): boolean => error instanceof Error && /provided port is already allocated/.test(error.message);
const LANE_POLL_MS = 2_000;
/** How long a file waits for a lane: the longest file holds one about two minutes on 2 cores. */
const LANE_WAIT_MS = 20 * 60_000;

/** NodePorts that Services anywhere in the cluster hold now. */
async function nodePortsInUse(cluster: ConnectedCluster): Promise<Set<number>> {
  const services = await cluster.clients.core.listServiceForAllNamespaces();
  return new Set(services.items.flatMap((service) => (service.spec?.ports ?? []).flatMap((port) => (port.nodePort === undefined ? [] : [port.nodePort]))));
}

/**
 * Applies the test overlay for a scenario in the first free lane of `lanes` (scenarioLanes()) and waits (watch,
 * deadline) until every Deployment is available. A lane is taken while a Service holds its NodePorts: the API server
 * allocates a NodePort to one Service only, so two files starting at once can never both get a lane, and no lane
 * bookkeeping can go stale. When every lane is taken (the scenarios project runs one file more than there are
 * lanes, for the files with a node of their own: vitest.config.ts), the file waits until one is given back.
 */
export async function deploySystem(
  cluster: ConnectedCluster,
  scenario: string,
  adjust: (objects: KubernetesObject[]) => KubernetesObject[] = (objects) => objects,
  lanes: number = scenarioLanes(),
): Promise<SystemPlacement & { laneWaitMs: number }> {
  const rendered = await cluster.render(TEST_OVERLAY);
  const namespace = placementFor(scenario, 0).namespace;
  await waitUntilNotTerminating(cluster.clients, namespace); // the same file, run again at once
  const started = Date.now();
  for (;;) {
    const inUse = await nodePortsInUse(cluster);
    for (let lane = 0; lane < lanes; lane += 1) {
      const placement = placementFor(scenario, lane);
      if (Object.values(placement.nodePorts).some((port) => inUse.has(port))) continue;
      const laneWaitMs = Date.now() - started;
      try {
        await applyObjects(cluster.clients, adjust(placeSystem(rendered, placement)));
      } catch (error) {
        if (!portTaken(error)) throw error;
        await deleteServices(cluster.clients, namespace); // those of this lane that it did get
        continue;
      }
      await cluster.waitForDeployments(namespace);
      return { ...placement, laneWaitMs };
    }
    if (Date.now() - started > LANE_WAIT_MS) {
      throw new Error(`no lane was given back in ${LANE_WAIT_MS / 60_000} min (${lanes} lanes, KMS_SCENARIO_LANES): is a file of another run using this cluster?`);
    }
    await new Promise((resolve) => setTimeout(resolve, LANE_POLL_MS));
  }
}

/**
 * In a scenario file's describe, before its other hooks: deploys the file's own copy of the system (beforeAll)
 * and discards it when the file is done (afterAll): its Services at once, so the next file gets the lane's
 * NodePorts, and the namespace in the background. Tests reach the copy by `namespace` (cluster.serviceUrl) and
 * `ingressHost`.
 */
export function useSystem(
  cluster: ConnectedCluster,
  scenario: string,
  options: { adjust?: (objects: KubernetesObject[]) => KubernetesObject[] } = {},
): { namespace: string; ingressHost: string } {
  const { namespace, ingressHost } = placementFor(scenario, 0);
  beforeAll(async () => {
    const started = Date.now();
    const { lane, laneWaitMs } = await deploySystem(cluster, scenario, options.adjust);
    const waited = laneWaitMs >= LANE_POLL_MS ? `, ${seconds(laneWaitMs)} s of it waiting for a lane` : '';
    console.log(`[${scenario}] the system is available in namespace ${namespace} (lane ${lane}) after ${seconds(Date.now() - started)} s${waited}`);
  });
  afterAll(async () => {
    await discardNamespace(cluster.clients, namespace);
  });
  return { namespace, ingressHost };
}
