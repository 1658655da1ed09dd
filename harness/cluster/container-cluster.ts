import type { StartedNetwork } from 'testcontainers';
import { run } from '../../images/docker-cli.js';
import { prepareK3sSystemImages } from '../../images/k3s-airgap.js';
import { resolveImages } from '../../images/resolve.js';
import { describeError } from '../kube/watch-until.js';
import { seconds } from '../seconds.js';
import { chooseReaper, configureTestcontainers } from '../testcontainers-env.js';
import type { StartedAgentContainer } from './agent-container.js';
import type { ClusterInfo } from './cluster-info.js';
import { startClusterNetwork } from './cluster-network.js';
import { ClusterProvider, startIngressAndOverlay, type StartedCluster } from './cluster-provider.js';
import { ConnectedCluster } from './connected-cluster.js';
import { INGRESS_CONTROLLER } from './ingress-controller.js';
import type { JoinedAgent, JoinOptions } from './join-agents.js';
import { NODE_SETTINGS, type NodeSettings } from './node-settings.js';
import { ServerContainer, type StartedServerContainer } from './server-container.js';
import { SUITE_LABEL } from './suite-labels.js';
import { startDespitePortRace } from '../start-container.js';

const log = (message: string) => console.log(`[cluster] ${message}`);
const SERVER_NAME = 'kms-server';

/**
 * A Kubernetes cluster in containers that this run starts and removes:
 *
 *   const cluster = await new ContainerCluster()
 *     .withImages(['redis', 'api-gateway', 'worker', 'dashboard'])
 *     .withNodePorts(30000, 30080, 30081)
 *     .withIngress()
 *     .withOverlay('manifests/overlays/test', 'microservices-demo')
 *     .start();
 *   ...
 *   await cluster.stop();
 *
 * One server node (ServerContainer: the `node` image, rancher/k3s upstream or the offline build) on a Docker network of
 * its own, so that agents can join it, at start (withAgents) or later (addAgents); the images loaded into every node.
 */
export class ContainerCluster extends ClusterProvider {
  private nodePorts: number[] = [];
  private agents = 0;
  private settings: NodeSettings = NODE_SETTINGS;

  /** NodePorts to map out of the server container, reached with `nodePortUrl()` / `serviceUrl()`. */
  withNodePorts(...ports: number[]): this {
    this.nodePorts = [...this.nodePorts, ...ports];
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

  async start(): Promise<StartedContainerCluster> {
    const started = Date.now();
    const names = ['node', ...this.images, ...this.imagesOnDemand, ...(this.ingress ? [INGRESS_CONTROLLER.image] : [])];
    const images = await resolveImages([...new Set(names)]); // the node first: an offline node makes the rest local
    const nodePorts = this.ingress ? [...this.nodePorts, INGRESS_CONTROLLER.webNodePort] : this.nodePorts;
    const timings: Record<string, number> = { imagesResolved: seconds(Date.now() - started) };

    await chooseReaper();
    configureTestcontainers();
    const systemImages = await prepareK3sSystemImages(images.node!);
    log(`starting a node from ${images.node}`);
    const nodeStarted = Date.now();
    const network = await startClusterNetwork();
    let server: StartedServerContainer;
    try {
      const container = new ServerContainer(images.node!).withNodeName(SERVER_NAME).withSettings(this.settings).withNetwork(network).withExposedPorts(...nodePorts);
      if (systemImages) container.withSystemImages(systemImages);
      server = await startDespitePortRace(() => container.start());
    } catch (error) {
      await network.stop().catch(() => undefined);
      throw error;
    }
    timings.nodeReady = seconds(Date.now() - nodeStarted);
    log(`node Ready in ${timings.nodeReady} s`);
    const base: ClusterInfo = {
      mode: 'container',
      kubeConfig: server.getKubeConfig(),
      nodePortUrls: Object.fromEntries(nodePorts.map((port) => [String(port), `http://${server.getHost()}:${server.getMappedPort(port)}`])),
      nodeContainers: [{ nodeName: SERVER_NAME, containerId: server.getId(), role: 'server' }],
      network: { name: network.getName(), serverUrl: `https://${server.getIpAddress(network.getName())}:6443` },
      nodeSettings: this.settings,
      ...(systemImages ? { systemImages } : {}),
      images,
      imagesOnDemand: this.imagesOnDemand,
      timings,
    };

    // Set up through a handle of the base info; the handle returned is built once everything is known.
    const setup = new StartedContainerCluster(base, server, network);
    try {
      // The images go into containerd while kube-system comes up: both only need the node.
      const loadNow = Object.entries(images).filter(([name]) => name !== 'node' && !this.imagesOnDemand.includes(name)).map(([, ref]) => ref);
      const loadStarted = Date.now();
      const loading = loadNow.length > 0 ? setup.loadImages(loadNow) : Promise.resolve();
      loading.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled
      const systemStarted = Date.now();
      await setup.waitForDeployments('kube-system', 120_000).catch(async (error: unknown) => {
        throw new Error(`${describeError(error)}\n${await setup.serverLogTails()}`);
      });
      timings.systemReady = seconds(Date.now() - systemStarted);
      log(`kube-system (CoreDNS, metrics-server) available ${timings.systemReady} s later`);
      let agents: JoinedAgent[] = [];
      if (this.agents > 0) {
        const joinStarted = Date.now();
        // Agents get the images as they join; the server's load (started above) goes on meanwhile.
        agents = await setup.addAgents(this.agents, { images: Object.keys(images).filter((name) => name !== 'node' && !this.imagesOnDemand.includes(name)) });
        timings.agentsReady = seconds(Date.now() - joinStarted);
        log(agents.map((agent) => `${agent.nodeName} Ready in ${agent.joinSeconds} s`).join(', '));
      }
      await loading;
      if (loadNow.length > 0) {
        timings.imagesLoaded = seconds(Date.now() - loadStarted);
        log(`loaded ${loadNow.length} images into the cluster in ${timings.imagesLoaded} s (meanwhile kube-system came up)`);
      }
      const finished = await startIngressAndOverlay(setup, { ...(this.ingress ? { ingress: 'deployed' as const } : {}), ...(this.overlay ? { overlay: this.overlay } : {}) }, log);
      if (finished.ingress && finished.ingress.nodePort !== INGRESS_CONTROLLER.webNodePort) {
        throw new Error(`the ingress controller's web NodePort is ${finished.ingress.nodePort}, but the node container maps ${INGRESS_CONTROLLER.webNodePort}`);
      }
      const info: ClusterInfo = {
        ...base,
        nodeContainers: setup.nodes(),
        ...(finished.ingress ? { ingress: finished.ingress } : {}),
        ...(finished.overlay ? { overlay: finished.overlay } : {}),
        timings: { ...timings, ...finished.timings, total: seconds(Date.now() - started) },
      };
      log(`cluster ready in ${info.timings.total} s`);
      return new StartedContainerCluster(info, server, network, agents.map((agent) => agent.container));
    } catch (error) {
      await setup.stop();
      throw error;
    }
  }
}

/** A cluster of node containers this run started: stop() removes them and their network. */
export class StartedContainerCluster extends ConnectedCluster implements StartedCluster {
  private readonly ownAgents: StartedAgentContainer[];

  constructor(
    info: ClusterInfo,
    private readonly server: StartedServerContainer,
    private readonly network: StartedNetwork,
    agents: StartedAgentContainer[] = [],
  ) {
    super(info);
    this.ownAgents = [...agents];
  }

  /** The agents this handle joined (withAgents, addAgents): kill() one to lose its node abruptly. */
  get agents(): StartedAgentContainer[] {
    return [...this.ownAgents];
  }

  /** The end of the server node's own logs (StartedServerContainer.logTails), for a failure message. */
  serverLogTails(): Promise<string> {
    return this.server.logTails();
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
   * Stops and removes the node containers and their network: the agents, also those a test process joined and did
   * not remove (any suite container still on the network), then the server.
   */
  async stop(): Promise<void> {
    await Promise.all(this.ownAgents.map((agent) => agent.remove()));
    const attached = await run('docker', ['ps', '-aq', '--filter', `network=${this.network.getName()}`, '--filter', `label=${SUITE_LABEL}=true`]);
    const others = attached.stdout.split('\n').filter((id) => id && !this.server.getId().startsWith(id));
    if (others.length > 0) await run('docker', ['rm', '--force', '--volumes', ...others]);
    await this.server.stop({ timeout: 10_000 });
    await this.network.stop();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
