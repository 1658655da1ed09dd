import { availableParallelism } from 'node:os';

/** The monitoring system as the scenarios deploy it. */
export const NAMESPACE = 'microservices-demo';
export const TEST_OVERLAY = 'manifests/overlays/test';
export const SYSTEM_IMAGES = ['redis', 'api-gateway', 'worker', 'dashboard'] as const;
/** Resolved when the scenario cluster starts, loaded by the one file that deploys them (scenarios/init-order). */
export const SCENARIO_IMAGES_ON_DEMAND = ['postgres', 'maya-sawa'] as const;
/** The host of the system's Ingress rule (manifests/base/ingress): send it as the Host header to the controller. */
export const INGRESS_HOST = 'microservices-demo.local';

/** Fixed NodePorts of the test overlay, mapped out of the node container. */
export const NODE_PORTS = { dashboard: 30000, apiGateway: 30080, worker: 30081 } as const;
export type SystemNodePorts = { [service in keyof typeof NODE_PORTS]: number };
/** maya-sawa's web Service (scenarios/init-order.test.ts): the single-pod form and the split form. */
export const MAYA_SAWA_NODE_PORTS = { singlePod: 30800, split: 30801 } as const;
/** What `npm run up` and the benchmarks map out of the node: one system, and maya-sawa. */
export const SYSTEM_NODE_PORTS = [...Object.values(NODE_PORTS), ...Object.values(MAYA_SAWA_NODE_PORTS)];

/**
 * Scenario files run side by side, each on its own copy of the system in its own namespace
 * (harness/scenario-system.ts); the copy in lane n has the test overlay's NodePorts + 100 n. The scenario cluster
 * maps this many lanes' NodePorts: the most files that can ever run at once.
 */
export const MAX_SCENARIO_LANES = 4;

/**
 * How many scenario files run at once: one per core, at most MAX_SCENARIO_LANES; KMS_SCENARIO_LANES overrides it.
 * What bounds it is CPU requests, not memory: a copy of the system requests 0.6 CPU at rest and up to ~1 CPU while
 * its file scales it out or rolls it, and the node offers as many CPUs as the machine has.
 */
export function scenarioLanes(cores = availableParallelism(), override = process.env.KMS_SCENARIO_LANES): number {
  if (override !== undefined && override !== '') {
    const lanes = Number(override);
    if (!Number.isInteger(lanes) || lanes < 1 || lanes > MAX_SCENARIO_LANES) {
      throw new Error(`KMS_SCENARIO_LANES=${override}: give a whole number from 1 to ${MAX_SCENARIO_LANES}`);
    }
    return lanes;
  }
  return Math.max(1, Math.min(MAX_SCENARIO_LANES, cores));
}

export const laneNodePorts = (lane: number): SystemNodePorts => ({
  dashboard: NODE_PORTS.dashboard + 100 * lane,
  apiGateway: NODE_PORTS.apiGateway + 100 * lane,
  worker: NODE_PORTS.worker + 100 * lane,
});
/** What the scenario cluster maps out of its node: every lane's NodePorts, and maya-sawa's. */
export const SCENARIO_NODE_PORTS = [
  ...Array.from({ length: MAX_SCENARIO_LANES }, (_, lane) => Object.values(laneNodePorts(lane))).flat(),
  ...Object.values(MAYA_SAWA_NODE_PORTS),
];
