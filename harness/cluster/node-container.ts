import { K3sContainer, type StartedK3sContainer } from '@testcontainers/k3s';
import { readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import type { StartedNetwork } from 'testcontainers';

/** Labels on every container the suite starts: how `npm run down` and leftover cleanup find them. */
export const SUITE_LABEL = 'io.kube-microservices-suite';
export const OWNER_LABEL = 'io.kube-microservices-suite.owner';

/**
 * Who started a container: host, PID namespace and PID. A process can only judge liveness of owners in its own PID
 * namespace (sandboxes and CI jobs sharing one Docker engine see different ones), so cleanup compares all three.
 */
export function ownerId(pid = process.pid): string {
  let namespace = 'unknown';
  try {
    namespace = readlinkSync('/proc/self/ns/pid').replace(/\D/g, '');
  } catch {
    // not Linux: host + PID only
  }
  return `${hostname()}:${namespace}:${pid}`;
}

export function suiteLabels(): Record<string, string> {
  return { [SUITE_LABEL]: 'true', [OWNER_LABEL]: ownerId() };
}

/** Where k3s (and the offline node image) keep the token agents join with. */
export const NODE_TOKEN_PATH = '/var/lib/rancher/k3s/server/node-token';

export interface ServerOptions {
  nodeName: string;
  nodePorts?: number[];
  /**
   * The network agents join the server on, as its only network: agents reach it at its address there (k3s's
   * K3S_URL=https://<server IP>:6443), which is in its certificate. No network alias: testcontainers attaches a
   * container with aliases to the default bridge first, and a node with two networks may advertise the address on
   * the one the agents are not on.
   */
  network?: StartedNetwork;
  /** controller-manager --node-monitor-grace-period: how long a silent node stays Ready (else Kubernetes' 50 s). */
  nodeMonitorGracePeriodSeconds?: number;
  /**
   * Keep k3s's bundled Traefik (rancher/k3s) and put this file into the server before it boots (a HelmChartConfig in
   * its auto-applied manifests folder). Unset: --disable=traefik (the offline node image has none either way).
   */
  bundledTraefik?: { target: string; content: string };
}

/**
 * The Kubernetes server node in a container, started by @testcontainers/k3s unchanged: `image` is rancher/k3s
 * upstream or the offline node image (images/node), which speaks the same command line and writes the same kubeconfig.
 */
export async function startNodeContainer(image: string, options: ServerOptions): Promise<StartedK3sContainer> {
  const command = ['server', ...(options.bundledTraefik ? [] : ['--disable=traefik']), `--node-name=${options.nodeName}`];
  if (options.nodeMonitorGracePeriodSeconds !== undefined) {
    command.push(`--kube-controller-manager-arg=node-monitor-grace-period=${options.nodeMonitorGracePeriodSeconds}s`);
  }
  const container = new K3sContainer(image)
    .withCommand(command)
    .withExposedPorts(...(options.nodePorts ?? []))
    .withLabels(suiteLabels())
    .withStartupTimeout(180_000);
  if (options.network) container.withNetwork(options.network);
  if (options.bundledTraefik) container.withCopyContentToContainer([options.bundledTraefik]);
  return container.start();
}
