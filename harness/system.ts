/** The monitoring system as the scenarios deploy it. */
export const NAMESPACE = 'microservices-demo';
export const TEST_OVERLAY = 'manifests/overlays/test';
export const SYSTEM_IMAGES = ['redis', 'api-gateway', 'worker', 'dashboard'] as const;
/** What the scenario cluster loads at start: the system, and maya-sawa with its PostgreSQL (scenarios/init-order). */
export const SCENARIO_IMAGES = [...SYSTEM_IMAGES, 'postgres', 'maya-sawa'] as const;
/** The host of the system's Ingress rule (manifests/base/ingress): send it as the Host header to the controller. */
export const INGRESS_HOST = 'microservices-demo.local';

/** Fixed NodePorts of the test overlay, mapped out of the node container. */
export const NODE_PORTS = { dashboard: 30000, apiGateway: 30080, worker: 30081 } as const;
/** maya-sawa's web Service (scenarios/init-order.test.ts): the single-pod form and the split form. */
export const MAYA_SAWA_NODE_PORTS = { singlePod: 30800, split: 30801 } as const;
export const SYSTEM_NODE_PORTS = [...Object.values(NODE_PORTS), ...Object.values(MAYA_SAWA_NODE_PORTS)];
