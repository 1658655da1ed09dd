import type { KubernetesObject, V1Deployment } from '@kubernetes/client-node';
import { join, isAbsolute } from 'node:path';
import { catalog, manifestImageRef, repoRoot } from '../../images/catalog.js';
import { run } from '../../images/docker-cli.js';
import { normalizeImageRef } from '../../images/image-ref.js';
import { applyObjects } from '../kube/apply.js';
import { hpaFloors } from '../kube/hpa.js';
import { kubeClients, type KubeClients } from '../kube/clients.js';
import { namespaceDiagnostics } from '../kube/diagnostics.js';
import { removeDeadNode } from '../kube/nodes.js';
import { watchUntil } from '../kube/watch-until.js';
import { atHpaFloor, rolledOut } from '../kube/workload-state.js';
import { renderKustomization, rewriteImages } from '../kustomize.js';
import type { StartedAgentContainer } from './agent-container.js';
import { imageRefs, type ClusterInfo, type NodeContainer } from './cluster-info.js';
import { joinAgents, type JoinedAgent, type JoinOptions } from './join-agents.js';
import { loadImagesIntoNode } from './node-images.js';

/** A cluster the harness can drive: API clients, NodePort URLs, nodes to exec into, manifests to apply. */
export class ConnectedCluster {
  readonly clients: KubeClients;
  /** Agents joined through this handle (addAgents): the cluster's info stays as it was handed over. */
  private readonly joined: NodeContainer[] = [];

  constructor(readonly info: ClusterInfo) {
    this.clients = kubeClients(info.kubeConfig);
  }

  /** The URL of a NodePort as seen from this process (through the node container's mapped port). */
  nodePortUrl(nodePort: number): string {
    const url = this.info.nodePortUrls[String(nodePort)];
    if (url) return url;
    if (this.info.mode === 'external') {
      const address = this.info.nodeAddress;
      if (!address) throw new Error('set KMS_NODE_ADDRESS to a node address reachable from here to use NodePorts of an external cluster');
      return `http://${address}:${nodePort}`;
    }
    throw new Error(`NodePort ${nodePort} is not exposed by the node container; add it with ContainerCluster.withNodePorts()`);
  }

  /** The URL of a NodePort Service, looked up from the API (the Service's first port). */
  async serviceUrl(name: string, namespace: string): Promise<string> {
    const service = await this.clients.core.readNamespacedService({ name, namespace });
    const nodePort = service.spec?.ports?.find((port) => port.nodePort)?.nodePort;
    if (!nodePort) throw new Error(`Service ${namespace}/${name} has no NodePort (type ${service.spec?.type})`);
    return this.nodePortUrl(nodePort);
  }

  /**
   * The URL of the ingress controller's web entrypoint (its NodePort); send the Ingress rule's host as the Host
   * header. Needs a cluster started withIngress().
   */
  ingressUrl(): string {
    if (!this.info.ingress) throw new Error('this cluster has no ingress controller: start it with withIngress()');
    return this.nodePortUrl(this.info.ingress.nodePort);
  }

  /** Runs a command inside a node container (container mode only). */
  async execInNode(command: string[], nodeIndex = 0): Promise<string> {
    const node = this.nodes()[nodeIndex];
    if (!node) throw new Error(`no node container ${nodeIndex} (mode ${this.info.mode})`);
    const result = await run('docker', ['exec', node.containerId, ...command]);
    if (result.code !== 0) throw new Error(`'${command.join(' ')}' in ${node.nodeName} failed: ${result.stderr.trim()}`);
    return result.stdout;
  }

  /** Makes local images available to every node of the cluster. */
  async loadImages(refs: string[]): Promise<void> {
    if (this.info.mode === 'external') return; // an external cluster pulls them from KMS_IMAGE_REGISTRY
    await Promise.all(this.nodes().map((node) => loadImagesIntoNode(node.containerId, refs)));
  }

  /**
   * Makes catalog images available to every node (container mode; an external cluster pulls them): loads those
   * that a node's containerd does not list yet. For images the cluster resolved but did not load at start
   * (withImagesOnDemand), before deploying what uses them.
   */
  async ensureImages(names: string[]): Promise<void> {
    if (this.info.mode === 'external') return;
    const refs = imageRefs(this.info, names);
    await Promise.all(
      this.nodes().map(async (node) => {
        const listed = await run('docker', ['exec', node.containerId, 'ctr', '-n', 'k8s.io', 'images', 'ls', '-q']);
        if (listed.code !== 0) throw new Error(`listing the images of ${node.nodeName} failed: ${listed.stderr.trim()}`);
        const present = new Set(listed.stdout.split('\n').map((line) => line.trim()));
        const missing = refs.filter((ref) => !present.has(normalizeImageRef(ref)));
        if (missing.length > 0) await loadImagesIntoNode(node.containerId, missing);
      }),
    );
  }

  /** The cluster's node containers (container mode): the server first, then the agents that joined. */
  nodes(): NodeContainer[] {
    return [...this.info.nodeContainers, ...this.joined];
  }

  /**
   * Joins `count` agent nodes to this cluster (container mode: the server is on a network; see joinAgents) and loads
   * images into them (`images`: catalog names; default every image of the cluster). The caller owns them:
   * removeAgent() each when done. With `taints`, only pods that tolerate them are scheduled there.
   */
  async addAgents(count: number, options: JoinOptions = {}): Promise<JoinedAgent[]> {
    const agents = await joinAgents(this.info, this.clients, count, options);
    for (const agent of agents) this.joined.push({ nodeName: agent.nodeName, containerId: agent.container.getId(), role: 'agent' });
    return agents;
  }

  /**
   * Takes an agent out of the cluster for good, whatever state it is in (running, killed): removes its container,
   * then its Node object and the pods still bound to it (removeDeadNode). Returns those pods.
   */
  async removeAgent(agent: StartedAgentContainer): Promise<string[]> {
    await agent.remove();
    const index = this.joined.findIndex((node) => node.containerId === agent.getId());
    if (index >= 0) this.joined.splice(index, 1);
    return removeDeadNode(this.clients, agent.getNodeName());
  }

  /** Renders a kustomize directory (relative to the repository) with image references pointed at the cluster's. */
  async render(kustomizeDir: string): Promise<KubernetesObject[]> {
    const dir = isAbsolute(kustomizeDir) ? kustomizeDir : join(repoRoot, kustomizeDir);
    const imageMap = Object.fromEntries(
      Object.entries(this.info.images).flatMap(([name, ref]) => {
        const spec = catalog[name];
        return spec ? [[manifestImageRef(spec), ref]] : [];
      }),
    );
    return rewriteImages(await renderKustomization(dir), imageMap);
  }

  /** Renders and applies a kustomize directory (server-side apply). Returns what was applied. */
  async apply(kustomizeDir: string): Promise<KubernetesObject[]> {
    const objects = await this.render(kustomizeDir);
    await applyObjects(this.clients, objects);
    return objects;
  }

  /**
   * Waits (watch, deadline) until every Deployment of the namespace is fully rolled out and available, those an HPA
   * manages at least at its floor (they are created at 1: see atHpaFloor).
   */
  async waitForDeployments(namespace: string, timeoutMs = 180_000): Promise<V1Deployment[]> {
    const floors = await hpaFloors(this.clients, namespace);
    return watchUntil<V1Deployment>(this.clients.kc, {
      what: `every Deployment in ${namespace} to be rolled out and available${floors.size > 0 ? ', at least at its HPA\'s minReplicas' : ''}`,
      path: `/apis/apps/v1/namespaces/${namespace}/deployments`,
      list: () => this.clients.apps.listNamespacedDeployment({ namespace }),
      satisfied: (deployments) => deployments.length > 0 && deployments.every((deployment) => rolledOut(deployment) && atHpaFloor(deployment, floors)),
      timeoutMs,
      diagnostics: () => this.diagnostics(namespace),
    });
  }

  /** Pods, events and logs of a namespace, for a failure message. */
  diagnostics(namespace: string): Promise<string> {
    return namespaceDiagnostics(this.clients, namespace);
  }
}
