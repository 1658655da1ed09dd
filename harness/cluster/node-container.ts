import { K3sContainer, type StartedK3sContainer } from '@testcontainers/k3s';
import { readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import type { StartedNetwork } from 'testcontainers';
import { K3S_SYSTEM_IMAGES_TARGET } from '../../images/k3s-airgap.js';
import { NODE_SETTINGS, nodeLaunch, serverCommand, type NodeSettings } from './node-settings.js';

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
  /** The settings the scenarios depend on (node-settings.ts); the suite's own by default. */
  settings?: NodeSettings;
  /** A tarball of the node's own system images (images/k3s-airgap.ts), imported at boot instead of pulled by the node. */
  systemImages?: string;
}

/**
 * The Kubernetes server node in a container, started by @testcontainers/k3s unchanged: `image` is rancher/k3s
 * upstream or the offline node image (images/node), which speaks the same command line and writes the same kubeconfig.
 * Both get the same command line and files (node-settings.ts).
 */
export async function startNodeContainer(image: string, options: ServerOptions): Promise<StartedK3sContainer> {
  const settings = options.settings ?? NODE_SETTINGS;
  const launch = nodeLaunch(image, settings);
  const container = new K3sContainer(image)
    .withCommand(serverCommand(options.nodeName, settings))
    .withCopyContentToContainer(launch.files)
    .withExposedPorts(...(options.nodePorts ?? []))
    .withLabels(suiteLabels())
    .withStartupTimeout(180_000);
  if (launch.entrypoint) container.withEntrypoint(launch.entrypoint);
  if (options.systemImages) container.withCopyFilesToContainer([{ source: options.systemImages, target: K3S_SYSTEM_IMAGES_TARGET }]);
  if (options.network) container.withNetwork(options.network);
  return container.start();
}
