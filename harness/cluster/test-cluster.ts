import type { StartedK3sContainer } from '@testcontainers/k3s';
import { readFileSync } from 'node:fs';
import { resolveImages } from '../../images/resolve.js';
import { run } from '../../images/docker-cli.js';
import { kubeClients } from '../kube/clients.js';
import { configureTestcontainers } from '../testcontainers-env.js';
import type { ClusterInfo } from './cluster-info.js';
import { ConnectedCluster } from './connected-cluster.js';
import {
  INGRESS_CONTROLLER,
  externalIngressControllerMode,
  ingressControllerMode,
  k3sTraefikConfig,
  startIngressController,
  type IngressControllerMode,
} from './ingress-controller.js';
import { startNodeContainer } from './node-container.js';

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
 * By default a Kubernetes node runs in a container (the `node` image: rancher/k3s upstream, or the offline build).
 * With KMS_KUBECONFIG set to a kubeconfig file, the user's own cluster is used instead and nothing is started.
 */
export class TestCluster {
  private images: string[] = [];
  private nodePorts: number[] = [];
  private overlay?: string;
  private namespaceToWait?: string;
  private ingress = false;

  /** Catalog images (see images/catalog.ts) to resolve and load into the cluster. */
  withImages(names: string[]): this {
    this.images = [...this.images, ...names];
    return this;
  }

  /** NodePorts to map out of the node container, reached with `nodePortUrl()` / `serviceUrl()`. */
  withNodePorts(...ports: number[]): this {
    this.nodePorts = [...this.nodePorts, ...ports];
    return this;
  }

  /**
   * An ingress controller serving class `traefik` on a fixed NodePort (see ingress-controller.ts): k3s's bundled
   * Traefik on rancher/k3s, else images/traefik deployed by the harness. start() waits until it is ready;
   * `ingressUrl()` reaches it.
   */
  withIngress(): this {
    this.ingress = true;
    return this;
  }

  /** A kustomize overlay of manifests/ to apply once the cluster is up; start() waits for its Deployments. */
  withOverlay(dir: string, namespace = 'microservices-demo'): this {
    this.overlay = dir;
    this.namespaceToWait = namespace;
    return this;
  }

  async start(): Promise<StartedTestCluster> {
    const started = Date.now();
    const timings: Record<string, number> = {};
    const external = process.env.KMS_KUBECONFIG;
    const images = await this.resolve(external ? [] : ['node']);
    let ingressMode: IngressControllerMode | undefined;
    if (this.ingress) {
      ingressMode = external ? await externalIngressControllerMode(kubeClients(readFileSync(external, 'utf8'))) : ingressControllerMode(images.node!);
      if (ingressMode === 'deployed') Object.assign(images, await resolveImages([INGRESS_CONTROLLER.image]));
    }
    const nodePorts = ingressMode ? [...this.nodePorts, INGRESS_CONTROLLER.webNodePort] : this.nodePorts;
    timings.imagesResolved = seconds(started);

    let node: StartedK3sContainer | undefined;
    let info: ClusterInfo;
    if (external) {
      log(`using the cluster of KMS_KUBECONFIG=${external}; no node container is started`);
      info = { mode: 'external', kubeConfig: readFileSync(external, 'utf8'), nodePortUrls: {}, nodeContainers: [], images: await this.publish(images), timings };
    } else {
      configureTestcontainers();
      log(`starting a node from ${images.node}`);
      const nodeStarted = Date.now();
      node = await startNodeContainer(images.node!, nodePorts, 'kms-server', ingressMode === 'bundled' ? { bundledTraefik: k3sTraefikConfig() } : {});
      timings.nodeReady = seconds(nodeStarted);
      log(`node Ready in ${timings.nodeReady} s`);
      info = {
        mode: 'container',
        kubeConfig: node.getKubeConfig(),
        nodePortUrls: Object.fromEntries(nodePorts.map((port) => [String(port), `http://${node!.getHost()}:${node!.getMappedPort(port)}`])),
        nodeContainers: [{ nodeName: 'kms-server', containerId: node.getId() }],
        images,
        timings,
      };
    }

    const cluster = new StartedTestCluster(info, node);
    try {
      // The images go into containerd while kube-system comes up: both only need the node.
      const serviceImages = Object.entries(images).filter(([name]) => name !== 'node').map(([, ref]) => ref);
      const loadStarted = Date.now();
      const loading = serviceImages.length > 0 ? cluster.loadImages(serviceImages) : Promise.resolve();
      loading.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled
      const systemStarted = Date.now();
      await cluster.waitForDeployments('kube-system', 120_000);
      timings.systemReady = seconds(systemStarted);
      log(`kube-system (CoreDNS, metrics-server) available ${timings.systemReady} s later`);
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
        log(`ingress controller (Traefik, ${mode === 'bundled' ? "the cluster's own" : 'images/traefik'}) ready in ${timings.ingressReady} s`);
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
    return resolveImages([...new Set([...extra, ...this.images])]);
  }

  /** External clusters pull images: push them to KMS_IMAGE_REGISTRY when it is set, else use them as they are. */
  private async publish(images: Record<string, string>): Promise<Record<string, string>> {
    const registry = process.env.KMS_IMAGE_REGISTRY;
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
  constructor(
    info: ClusterInfo,
    private readonly node: StartedK3sContainer | undefined,
  ) {
    super(info);
  }

  /** Stops and removes the node container (nothing to do for an external cluster). */
  async stop(): Promise<void> {
    await this.node?.stop({ timeout: 10_000 });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
