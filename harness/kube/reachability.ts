import type { V1Pod } from '@kubernetes/client-node';
import type { KubeClients } from './clients.js';
import { execInPod } from './exec-in-pod.js';
import { waitForPods } from './wait-for.js';

/**
 * A pod that stands in for a workload in the network: it carries the workload's labels, so NetworkPolicies treat its
 * connections as the workload's, and it only waits for commands. It runs a Node.js image the cluster already has
 * (a service image: no pull), restricted by Pod Security "restricted". It never becomes ready (its readiness probe
 * is never run), so no Service whose selector its labels match ever routes to it.
 */
export interface ProbePod {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  /** A TCP port it accepts connections on (closing each at once), so that it can be a path's target too. */
  listens?: number;
}

const PROBE_CONTAINER = 'probe';
const WAIT_FOREVER = "process.on('SIGTERM', () => process.exit(0)); setInterval(() => {}, 1 << 30);";
const listenOn = (port: number) => `process.on('SIGTERM', () => process.exit(0)); require('node:net').createServer((socket) => socket.end()).listen(${port});`;

export function probePodManifest(probe: ProbePod, image: string): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: probe.name, namespace: probe.namespace, labels: probe.labels },
    spec: {
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      terminationGracePeriodSeconds: 0,
      securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: PROBE_CONTAINER,
          image,
          imagePullPolicy: 'IfNotPresent',
          command: ['node', '-e', probe.listens === undefined ? WAIT_FOREVER : listenOn(probe.listens)],
          ...(probe.listens === undefined ? {} : { ports: [{ name: 'probe', containerPort: probe.listens, protocol: 'TCP' }] }),
          // Never run within a scenario's lifetime: the pod stays not ready, out of every Service's endpoints.
          readinessProbe: { tcpSocket: { port: 1 }, initialDelaySeconds: 86_400 },
          resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
        },
      ],
    },
  };
}

/** Creates the probe pods and waits until each runs (its container started). Returns their addresses, in order. */
export async function startProbePods(clients: KubeClients, probes: ProbePod[], image: string, timeoutMs = 60_000): Promise<string[]> {
  await Promise.all(probes.map((probe) => clients.core.createNamespacedPod({ namespace: probe.namespace, body: probePodManifest(probe, image) })));
  const running = (pod: V1Pod, probe: ProbePod) => pod.metadata?.name === probe.name && pod.status?.containerStatuses?.[0]?.state?.running !== undefined && pod.status.podIP !== undefined;
  return Promise.all(
    probes.map(async (probe) => {
      const pods = await waitForPods(
        clients,
        { namespace: probe.namespace, labelSelector: Object.entries(probe.labels).map(([key, value]) => `${key}=${value}`).join(',') },
        `probe ${probe.name} running`,
        (candidates) => candidates.some((pod) => running(pod, probe)),
        timeoutMs,
      );
      return pods.find((pod) => running(pod, probe))!.status!.podIP!;
    }),
  );
}

/** How a TCP connection attempt ended: 'open' (the handshake completed), or the error (ECONNREFUSED, …, 'timeout'). */
export interface Connection {
  outcome: string;
  /** From the attempt's start in the probe pod, name resolution included, to its end. */
  ms: number;
}

// Run by `node -e` in the probe pod: argv host, port, timeout (ms); prints the Connection as JSON.
const CONNECT = `
const net = require('node:net');
const [host, port, timeout] = process.argv.slice(1);
const started = Date.now();
const end = (outcome) => { console.log(JSON.stringify({ outcome, ms: Date.now() - started })); process.exit(0); };
const socket = net.connect({ host, port: Number(port) });
socket.setTimeout(Number(timeout), () => end('timeout'));
socket.on('connect', () => end('open'));
socket.on('error', (error) => end(error.code ?? error.message));
`;

/** Opens a TCP connection from the probe pod to host:port (a Service name or an address), closing it at once. */
export async function connectFrom(clients: KubeClients, probe: ProbePod, host: string, port: number, timeoutMs: number): Promise<Connection> {
  const output = await execInPod(
    clients,
    { namespace: probe.namespace, pod: probe.name, container: PROBE_CONTAINER },
    ['node', '-e', CONNECT, host, String(port), String(timeoutMs)],
    timeoutMs + 30_000,
  );
  return JSON.parse(output.trim()) as Connection;
}
