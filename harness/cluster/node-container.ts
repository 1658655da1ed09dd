import { K3sContainer, type StartedK3sContainer } from '@testcontainers/k3s';
import { readlinkSync } from 'node:fs';
import { hostname } from 'node:os';

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

export interface NodeOptions {
  /**
   * Keep k3s's bundled Traefik (rancher/k3s) and put this file into the server before it boots (a HelmChartConfig in
   * its auto-applied manifests folder). Unset: --disable=traefik (the offline node image has none either way).
   */
  bundledTraefik?: { target: string; content: string };
}

/**
 * A Kubernetes node in a container, started by @testcontainers/k3s unchanged: `image` is rancher/k3s upstream or
 * the offline node image (images/node), which speaks the same command line and writes the same kubeconfig.
 */
export async function startNodeContainer(image: string, nodePorts: number[], nodeName: string, options: NodeOptions = {}): Promise<StartedK3sContainer> {
  const container = new K3sContainer(image)
    .withCommand(['server', ...(options.bundledTraefik ? [] : ['--disable=traefik']), `--node-name=${nodeName}`])
    .withExposedPorts(...nodePorts)
    .withLabels(suiteLabels())
    .withStartupTimeout(180_000);
  if (options.bundledTraefik) container.withCopyContentToContainer([options.bundledTraefik]);
  return container.start();
}
