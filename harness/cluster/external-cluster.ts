import { readFileSync } from 'node:fs';
import { run } from '../../images/docker-cli.js';
import { resolveImages } from '../../images/resolve.js';
import { kubeClients } from '../kube/clients.js';
import { seconds } from '../seconds.js';
import type { ClusterInfo } from './cluster-info.js';
import { ClusterProvider, startIngressAndOverlay, type StartedCluster } from './cluster-provider.js';
import { ConnectedCluster } from './connected-cluster.js';
import { INGRESS_CONTROLLER, externalIngressControllerMode } from './ingress-controller.js';

const log = (message: string) => console.log(`[cluster] ${message}`);

/**
 * The user's own cluster (KMS_KUBECONFIG): nothing is started. Its nodes pull the images, so they are pushed to a
 * registry first (withImageRegistry), or were preloaded by whoever runs the cluster; NodePorts are reached at a node
 * address (withNodeAddress). It has no node containers: joining or killing nodes, and mapping ports, are
 * ContainerCluster's.
 *
 *   const cluster = await new ExternalCluster('/path/kubeconfig').withNodeAddress('10.0.0.5').withImages(['redis']).start();
 */
export class ExternalCluster extends ClusterProvider {
  private nodeAddress?: string;
  private registry?: string;

  constructor(private readonly kubeconfigPath: string) {
    super();
  }

  /** A node address reachable from this machine, where the cluster's NodePorts answer. */
  withNodeAddress(address: string): this {
    this.nodeAddress = address;
    return this;
  }

  /** A registry the nodes pull from (`registry.example.com/team`): the resolved images are tagged and pushed there. */
  withImageRegistry(registry: string): this {
    this.registry = registry;
    return this;
  }

  async start(): Promise<StartedCluster> {
    const started = Date.now();
    const kubeConfig = readFileSync(this.kubeconfigPath, 'utf8');
    log(`using the cluster of ${this.kubeconfigPath}; no node container is started`);
    const ingressMode = this.ingress ? await externalIngressControllerMode(kubeClients(kubeConfig)) : undefined;
    const names = [...this.images, ...this.imagesOnDemand, ...(ingressMode === 'deployed' ? [INGRESS_CONTROLLER.image] : [])];
    const images = await this.publish(await resolveImages([...new Set(names)]));
    const base: ClusterInfo = {
      mode: 'external',
      kubeConfig,
      nodePortUrls: {},
      ...(this.nodeAddress ? { nodeAddress: this.nodeAddress } : {}),
      nodeContainers: [],
      images,
      imagesOnDemand: this.imagesOnDemand,
      timings: { imagesResolved: seconds(Date.now() - started) },
    };
    const finished = await startIngressAndOverlay(new ConnectedCluster(base), { ...(ingressMode ? { ingress: ingressMode } : {}), ...(this.overlay ? { overlay: this.overlay } : {}) }, log);
    const info: ClusterInfo = {
      ...base,
      ...(finished.ingress ? { ingress: finished.ingress } : {}),
      ...(finished.overlay ? { overlay: finished.overlay } : {}),
      timings: { ...base.timings, ...finished.timings, total: seconds(Date.now() - started) },
    };
    log(`cluster ready in ${info.timings.total} s`);
    return new StartedExternalCluster(info);
  }

  /** Tags and pushes the images to the registry, when one is set; else the nodes have them (preloaded) as they are. */
  private async publish(images: Record<string, string>): Promise<Record<string, string>> {
    if (!this.registry) return images;
    const published: Record<string, string> = {};
    for (const [name, ref] of Object.entries(images)) {
      const target = `${this.registry}/${ref.split('/').pop()}`;
      for (const args of [['tag', ref, target], ['push', target]]) {
        const result = await run('docker', args);
        if (result.code !== 0) throw new Error(`docker ${args.join(' ')} failed: ${result.stderr.trim()}`);
      }
      published[name] = target;
    }
    return published;
  }
}

/** The user's cluster, connected. stop() leaves it as it is: each scenario file discards what it deployed. */
export class StartedExternalCluster extends ConnectedCluster implements StartedCluster {
  async stop(): Promise<void> {}
}
