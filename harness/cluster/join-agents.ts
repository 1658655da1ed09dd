import { run } from '../../images/docker-cli.js';
import { seconds } from '../seconds.js';
import { configureTestcontainers } from '../testcontainers-env.js';
import type { KubeClients } from '../kube/clients.js';
import { nodeReady, waitForNode } from '../kube/nodes.js';
import { AgentContainer, type StartedAgentContainer } from './agent-container.js';
import { imageRefs, type ClusterInfo } from './cluster-info.js';
import { NODE_TOKEN_PATH } from './server-container.js';
import { loadImagesIntoNode } from './node-images.js';

export interface JoinOptions {
  images?: string[];
  taints?: string[];
  /** Node names are `<namePrefix>-1`, `-2`, ...: a prefix per scenario file keeps files that join agents at the same time from choosing the same name. */
  namePrefix?: string;
}

/** An agent node that joined the cluster, with what its joining cost. */
export interface JoinedAgent {
  container: StartedAgentContainer;
  nodeName: string;
  /** Seconds from the container's start to its Node being Ready. */
  joinSeconds: number;
}

function serverOf(info: ClusterInfo): { containerId: string } {
  const server = info.nodeContainers.find((node) => node.role !== 'agent');
  if (info.mode !== 'container' || !info.network || !server) {
    throw new Error('agents join only a cluster the harness started in a container, on its network (not KMS_KUBECONFIG)');
  }
  return server;
}

/** The lowest free names <prefix>-1, <prefix>-2, ... (a Node of a removed agent may still exist for a while). */
async function freeNames(clients: KubeClients, count: number, prefix: string): Promise<string[]> {
  const taken = new Set((await clients.core.listNode()).items.map((node) => node.metadata?.name));
  const names: string[] = [];
  for (let index = 1; names.length < count; index += 1) if (!taken.has(`${prefix}-${index}`)) names.push(`${prefix}-${index}`);
  return names;
}

async function lastLogLines(containerId: string): Promise<string> {
  const logs = await run('docker', ['logs', '--tail', '30', containerId]);
  return `last lines of the agent's output:\n${(logs.stdout + logs.stderr).trim()}`;
}

/**
 * Starts `count` agent containers from the cluster's node image on the cluster's network, joins each to the server
 * with the server's own token (its node-token file), and waits (watch, deadline) until every new Node is Ready.
 * Then loads images into them: `images` (catalog names of the cluster's images), by default every image of the
 * cluster but the node's; none with `images: []`. `taints` (`key=value:Effect`) keep pods that do not tolerate them
 * off the new nodes.
 */
export async function joinAgents(info: ClusterInfo, clients: KubeClients, count: number, options: JoinOptions = {}): Promise<JoinedAgent[]> {
  const server = serverOf(info);
  configureTestcontainers(); // a test process may start the first container of its own here
  const token = await run('docker', ['exec', server.containerId, 'cat', NODE_TOKEN_PATH]);
  if (token.code !== 0) throw new Error(`reading the server's token (${NODE_TOKEN_PATH}) failed: ${token.stderr.trim()}`);
  const nodeNames = await freeNames(clients, count, options.namePrefix ?? 'kms-agent');
  const settled = await Promise.allSettled(
    nodeNames.map(async (nodeName): Promise<JoinedAgent> => {
      const started = Date.now();
      const agent = new AgentContainer(info.images.node!);
      if (info.systemImages) agent.withSystemImages(info.systemImages);
      const container = await agent
        .withNetworkMode(info.network!.name)
        .withServer(info.network!.serverUrl)
        .withToken(token.stdout.trim())
        .withNodeName(nodeName)
        .withTaints(...(options.taints ?? []))
        .start();
      try {
        await waitForNode(clients, nodeName, 'Ready', nodeReady, 120_000, () => lastLogLines(container.getId()));
      } catch (error) {
        await container.remove();
        throw error;
      }
      return { container, nodeName, joinSeconds: seconds(Date.now() - started) };
    }),
  );
  const agents = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failed = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) {
    await Promise.all(agents.map((agent) => agent.container.remove())); // all or none
    throw failed.reason;
  }
  const names = options.images ?? Object.keys(info.images).filter((name) => name !== 'node');
  const refs = imageRefs(info, names);
  if (refs.length > 0) await Promise.all(agents.map((agent) => loadImagesIntoNode(agent.container.getId(), refs)));
  return agents;
}
