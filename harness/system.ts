import { appWorkload, type Workload } from './kube/workload.js';
import { MAX_SCENARIO_LANES, suiteConfig, type Env } from './suite-config.js';

export { MAX_SCENARIO_LANES };

/** The monitoring system as the scenarios deploy it. */
export const NAMESPACE = 'microservices-demo';
export const TEST_OVERLAY = 'manifests/overlays/test';
export const SYSTEM_IMAGES = ['redis', 'api-gateway', 'worker', 'dashboard'] as const;
/** Resolved when the scenario cluster starts, loaded by the files that deploy maya-sawa (into their own node: harness/own-node.ts) and by isolation. */
export const SCENARIO_IMAGES_ON_DEMAND = ['postgres', 'maya-sawa', 'openai-stand-in'] as const;
/** What a maya-sawa-v2 overlay runs (harness/own-node.ts loads them into the node of a file that deploys one). */
export const MAYA_SAWA_IMAGES = ['postgres', 'redis', 'maya-sawa', 'openai-stand-in'] as const;
/** The system's workloads the scenarios act on (Deployment, Service and pods' app label share the name). */
export const GATEWAY = 'api-gateway';
export const DASHBOARD = 'dashboard';
export const gatewayWorkload = (namespace: string): Workload => appWorkload(namespace, GATEWAY);
export const dashboardWorkload = (namespace: string): Workload => appWorkload(namespace, DASHBOARD);
/** The host of the system's Ingress rule (manifests/base/ingress): send it as the Host header to the controller. */
export const INGRESS_HOST = 'microservices-demo.local';

/** Fixed NodePorts of the test overlay, mapped out of the node container. */
export const NODE_PORTS = { dashboard: 30000, apiGateway: 30080, worker: 30081 } as const;
export type SystemNodePorts = { [service in keyof typeof NODE_PORTS]: number };
/**
 * maya-sawa's web Service: the single-pod form and the split form (scenarios/init-order.test.ts), the faults overlay
 * (scenarios/maya-sawa-faults.test.ts), and that overlay's OpenAI stand-in with its test controls.
 */
export const MAYA_SAWA_NODE_PORTS = { singlePod: 30800, split: 30801, faults: 30802, faultsAiProvider: 30803 } as const;
/** What `npm run up` and the benchmarks map out of the node: one system, and maya-sawa. */
export const SYSTEM_NODE_PORTS = [...Object.values(NODE_PORTS), ...Object.values(MAYA_SAWA_NODE_PORTS)];

/**
 * How many scenario files run at once, each on its own copy of the system in its own namespace
 * (harness/scenario-system.ts; the copy in lane n has the test overlay's NodePorts + 100 n): one per core, at most
 * MAX_SCENARIO_LANES (as many lanes as the scenario cluster maps), unless KMS_SCENARIO_LANES says otherwise. What
 * bounds it is CPU requests, not memory: a copy of the system requests 0.6 CPU at rest and up to ~1 CPU while its
 * file scales it out or rolls it, and the node offers as many CPUs as the machine has.
 */
export function scenarioLanes(env: Env = process.env, cores?: number): number {
  return suiteConfig(env, cores === undefined ? {} : { cores }).scenarioLanes;
}

/**
 * How many scenario files run at once: one per lane, and one more for the files that deploy a workload of their own
 * on a node of their own (harness/own-node.ts) and so take no lane. With one lane, one file at a time.
 */
export function scenarioWorkers(env: Env = process.env, cores?: number): number {
  const lanes = scenarioLanes(env, cores);
  return lanes === 1 ? 1 : lanes + 1;
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
