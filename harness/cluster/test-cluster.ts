import type { StartedK3sContainer } from '@testcontainers/k3s';
import { readFileSync } from 'node:fs';
import type { StartedNetwork } from 'testcontainers';
import { prepareK3sSystemImages } from '../../images/k3s-airgap.js';
import { resolveImages } from '../../images/resolve.js';
import { run } from '../../images/docker-cli.js';
import { kubeClients } from '../kube/clients.js';
import { suiteConfig } from '../suite-config.js';
import { NAMESPACE } from '../system.js';
import { chooseReaper, configureTestcontainers } from '../testcontainers-env.js';
import type { StartedAgentContainer } from './agent-container.js';
import type { ClusterInfo } from './cluster-info.js';
import { startClusterNetwork } from './cluster-network.js';
import { ConnectedCluster } from './connected-cluster.js';
import { INGRESS_CONTROLLER, externalIngressControllerMode, startIngressController, type IngressControllerMode } from './ingress-controller.js';
import type { JoinedAgent, JoinOptions } from './join-agents.js';
import { SUITE_LABEL, startNodeContainer } from './node-container.js';
import { NODE_SETTINGS, type NodeSettings } from './node-settings.js';

const log = (message: string) => console.log(`[cluster] ${message}`);

const seconds = (since: number) => Math.round((Date.now() - since) / 100) / 10;

/**
 * Starts the cluster the scenarios run on, in the style of a testcontainers module:
 *
 *   const cluster = await new TestCluster()
 *     .withImages(['redis', 'api-gateway', 'worker', 'dashboard'])
 *     .withNodePorts(30000, 30080, 30081)
 *     .withIngress()
 *     .withOverlay('manifests/overlays/test')
 *     .start();
 *   ...
 *   await cluster.stop();
 *
 * By default one Kubernetes node runs in a container (the `node` image: rancher/k3s upstream, or the offline build),
 * on a Docker network of its own so that agents can join it, at start (withAgents) or later (addAgents).
 * With KMS_KUBECONFIG set to a kubeconfig file, the user's own cluster is used instead and nothing is started.
 */
export class TestCluster {
  private images: string[] = [];
  private imagesOnDemand: string[] = [];
  private nodePorts: number[] = [];
  private overlay?: string;
  private namespaceToWait?: string;
  private ingress = false;
  private agents = 0;
  private settings: NodeSettings = NODE_SETTINGS;

  /** Catalog images (see images/catalog.ts) to resolve and load into the cluster. */
  withImages(names: string[]): this {
    this.images = [...this.images, ...names];
    return this;
  }

  /**
   * Catalog images to resolve (built if need be) at start but not load: a file that deploys them loads them first
   * (`cluster.ensureImages()`), so the cluster is ready sooner and images only one file uses cost only that file.
   */
  withImagesOnDemand(names: string[]): this {
    this.imagesOnDemand = [...this.imagesOnDemand, ...names];
    return this;
  }

  /** NodePorts to map out of the node container, reached with `nodePortUrl()` / `serviceUrl()`. */
  withNodePorts(...ports: number[]): this {
    this.nodePorts = [...this.nodePorts, ...ports];
    return this;
  }

  /**
   * An ingress controller serving class `traefik` on a fixed NodePort (see ingress-controller.ts): the `traefik`
   * image and manifests/ingress-controller/traefik, on every node kind (an external cluster's own kube-system/traefik
   * is used as it is). start() waits until it is ready; `ingressUrl()` reaches it.
   */
  withIngress(): this {
    this.ingress = true;
    return this;
  }

  /** Agent nodes to join to the server before images are loaded and manifests applied (default 0: one node). */
  withAgents(count: number): this {
    this.agents = count;
    return this;
  }

  /** How long a node that stopped reporting stays Ready (controller-manager --node-monitor-grace-period). */
  withNodeMonitorGracePeriod(seconds: number): this {
    this.settings = { ...this.settings, nodeMonitorGracePeriodSeconds: seconds };
    return this;
  }

  /** A kustomize overlay of manifests/ to apply once the cluster is up; start() waits for its Deployments. */
  withOverlay(dir: string, namespace = NAMESPACE): this {
    this.overlay = dir;
    this.namespaceToWait = namespace;
    return this;
  }

  async start(): Promise<StartedTestCluster> {
    const started = Date.now();
    const timings: Record<string, number> = {};
    const config = suiteConfig();
    const external = config.kubeconfig;
    const images = await this.resolve(external ? [] : ['node']);
    let ingressMode: IngressControllerMode | undefined;
    if (this.ingress) {
      ingressMode = external ? await externalIngressControllerMode(kubeClients(readFileSync(external, 'utf8'))) : 'deployed';
      // With the node (memoized): an offline node decides that the controller's image is local too.
      if (ingressMode === 'deployed') Object.assign(images, await resolveImages(external ? [INGRESS_CONTROLLER.image] : ['node', INGRESS_CONTROLLER.image]));
    }
    const nodePorts = ingressMode ? [...this.nodePorts, INGRESS_CONTROLLER.webNodePort] : this.nodePorts;
    timings.imagesResolved = seconds(started);

    let node: StartedK3sContainer | undefined;
    let network: StartedNetwork | undefined;
    let info: ClusterInfo;
    if (external) {
      if (this.agents > 0) throw new Error('withAgents() needs a cluster the harness starts (unset KMS_KUBECONFIG)');
      log(`using the cluster of KMS_KUBECONFIG=${external}; no node container is started`);
      info = { mode: 'external', kubeConfig: readFileSync(external, 'utf8'), nodePortUrls: {}, nodeContainers: [], images: await this.publish(images, config.imageRegistry), imagesOnDemand: this.imagesOnDemand, timings };
    } else {
      await chooseReaper();
      configureTestcontainers();
      const systemImages = await prepareK3sSystemImages(images.node!);
      log(`starting a node from ${images.node}`);
      const nodeStarted = Date.now();
      network = await startClusterNetwork();
      try {
        node = await startNodeContainer(images.node!, {
          nodeName: 'kms-server',
          nodePorts,
          network,
          settings: this.settings,
          ...(systemImages ? { systemImages } : {}),
        });
      } catch (error) {
        await network.stop().catch(() => undefined);
        throw error;
      }
      timings.nodeReady = seconds(nodeStarted);
      log(`node Ready in ${timings.nodeReady} s`);
      info = {
        mode: 'container',
        kubeConfig: node.getKubeConfig(),
        nodePortUrls: Object.fromEntries(nodePorts.map((port) => [String(port), `http://${node!.getHost()}:${node!.getMappedPort(port)}`])),
        nodeContainers: [{ nodeName: 'kms-server', containerId: node.getId(), role: 'server' }],
        network: { name: network.getName(), serverUrl: `https://${node.getIpAddress(network.getName())}:6443` },
        nodeSettings: this.settings,
        ...(systemImages ? { systemImages } : {}),
        images,
        imagesOnDemand: this.imagesOnDemand,
        timings,
      };
    }

    const cluster = new StartedTestCluster(info, node, network);
    try {
      // The images go into containerd while kube-system comes up: both only need the node.
      const serviceImages = Object.entries(images).filter(([name]) => name !== 'node' && !this.imagesOnDemand.includes(name)).map(([, ref]) => ref);
      const loadStarted = Date.now();
      const loading = serviceImages.length > 0 ? cluster.loadImages(serviceImages) : Promise.resolve();
      loading.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled
      const systemStarted = Date.now();
      await cluster.waitForDeployments('kube-system', 120_000);
      timings.systemReady = seconds(systemStarted);
      log(`kube-system (CoreDNS, metrics-server) available ${timings.systemReady} s later`);
      if (this.agents > 0) {
        const joinStarted = Date.now();
        // Agents get the images as they join; the server's load (started above) goes on meanwhile.
        const agents = await cluster.addAgents(this.agents, { images: serviceImages });
        timings.agentsReady = seconds(joinStarted);
        log(`${agents.map((agent) => `${agent.nodeName} Ready in ${agent.joinSeconds} s`).join(', ')}`);
      }
      await loading;
      if (serviceImages.length > 0) {
        timings.imagesLoaded = seconds(loadStarted);
        log(`loaded ${serviceImages.length} images into the cluster in ${timings.imagesLoaded} s (meanwhile kube-system came up)`);
      }
      // The controller and the system come up side by side: neither needs the other to be ready.
      const startIngress = async (mode: IngressControllerMode): Promise<void> => {
        const ingressStarted = Date.now();
        const nodePort = await startIngressController(cluster, mode);
        if (!external && nodePort !== INGRESS_CONTROLLER.webNodePort) {
          throw new Error(`the ingress controller's web NodePort is ${nodePort}, but the node container maps ${INGRESS_CONTROLLER.webNodePort}`);
        }
        info.ingress = { mode, nodePort };
        timings.ingressReady = seconds(ingressStarted);
        log(`ingress controller (Traefik, ${mode === 'existing' ? "the cluster's own" : 'images/traefik'}) ready in ${timings.ingressReady} s`);
      };
      const applyOverlay = async (overlay: string): Promise<void> => {
        const applyStarted = Date.now();
        await cluster.apply(overlay);
        info.overlay = overlay;
        await cluster.waitForDeployments(this.namespaceToWait!);
        timings.overlayAvailable = seconds(applyStarted);
        log(`${overlay} applied and available in ${timings.overlayAvailable} s`);
      };
      await Promise.all([ingressMode && startIngress(ingressMode), this.overlay && applyOverlay(this.overlay)]);
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    timings.total = seconds(started);
    log(`cluster ready in ${timings.total} s`);
    return cluster;
  }

  private async resolve(extra: string[]): Promise<Record<string, string>> {
    return resolveImages([...new Set([...extra, ...this.images, ...this.imagesOnDemand])]);
  }

  /** External clusters pull images: push them to KMS_IMAGE_REGISTRY when it is set, else use them as they are. */
  private async publish(images: Record<string, string>, registry: string | undefined): Promise<Record<string, string>> {
    if (!registry) return images;
    const published: Record<string, string> = {};
    for (const [name, ref] of Object.entries(images)) {
      const target = `${registry}/${ref.split('/').pop()}`;
      for (const args of [['tag', ref, target], ['push', target]]) {
        const result = await run('docker', args);
        if (result.code !== 0) throw new Error(`docker ${args.join(' ')} failed: ${result.stderr.trim()}`);
      }
      published[name] = target;
    }
    return published;
  }
}

export class StartedTestCluster extends ConnectedCluster {
  private readonly ownAgents: StartedAgentContainer[] = [];

  constructor(
    info: ClusterInfo,
    private readonly node: StartedK3sContainer | undefined,
    private readonly network: StartedNetwork | undefined,
  ) {
    super(info);
  }

  /** The agents this handle joined (withAgents, addAgents): kill() one to lose its node abruptly. */
  get agents(): StartedAgentContainer[] {
    return [...this.ownAgents];
  }

  /** As ConnectedCluster.addAgents, and stop() removes them with the cluster. */
  override async addAgents(count: number, options: JoinOptions = {}): Promise<JoinedAgent[]> {
    const agents = await super.addAgents(count, options);
    this.ownAgents.push(...agents.map((agent) => agent.container));
    return agents;
  }

  override async removeAgent(agent: StartedAgentContainer): Promise<string[]> {
    const index = this.ownAgents.indexOf(agent);
    if (index >= 0) this.ownAgents.splice(index, 1);
    return super.removeAgent(agent);
  }

  /**
   * Stops and removes the node containers and their network (nothing to do for an external cluster): the agents,
   * also those a test process joined and did not remove (any suite container still on the network), then the server.
   */
  async stop(): Promise<void> {
    await Promise.all(this.ownAgents.map((agent) => agent.remove()));
    if (this.network) {
      const attached = await run('docker', ['ps', '-aq', '--filter', `network=${this.network.getName()}`, '--filter', `label=${SUITE_LABEL}=true`]);
      const others = attached.stdout.split('\n').filter((id) => id && !this.node?.getId().startsWith(id));
      if (others.length > 0) await run('docker', ['rm', '--force', '--volumes', ...others]);
    }
    await this.node?.stop({ timeout: 10_000 });
    await this.network?.stop();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
