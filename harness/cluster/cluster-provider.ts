import { seconds } from '../seconds.js';
import type { ConnectedCluster } from './connected-cluster.js';
import { startIngressController, type IngressControllerMode } from './ingress-controller.js';

/** A started cluster: the handle scenario code drives, and stop(), which removes what the provider started. */
export interface StartedCluster extends ConnectedCluster {
  stop(): Promise<void>;
}

/**
 * How a cluster comes to be, in the style of a testcontainers module: a builder whose with*() methods only store a
 * value, and start(). Two providers: ContainerCluster (nodes in containers this run starts) and ExternalCluster (the
 * user's cluster, KMS_KUBECONFIG). What only one of them can do is a method of that one alone.
 */
export abstract class ClusterProvider {
  protected images: string[] = [];
  protected imagesOnDemand: string[] = [];
  protected ingress = false;
  protected overlay?: { dir: string; namespace: string };

  /** Catalog images (images/catalog.ts) to resolve and make available to the cluster's nodes. */
  withImages(names: readonly string[]): this {
    this.images = [...this.images, ...names];
    return this;
  }

  /**
   * Catalog images to resolve at start but not load: a file that deploys them loads them first
   * (`cluster.ensureImages()`), so the cluster is ready sooner and images only one file uses cost only that file.
   */
  withImagesOnDemand(names: readonly string[]): this {
    this.imagesOnDemand = [...this.imagesOnDemand, ...names];
    return this;
  }

  /**
   * An ingress controller serving class `traefik` on a fixed NodePort (ingress-controller.ts). start() waits until it
   * is ready; `ingressUrl()` reaches it.
   */
  withIngress(): this {
    this.ingress = true;
    return this;
  }

  /** A kustomize overlay of manifests/ to apply once the cluster is up; start() waits for the namespace's Deployments. */
  withOverlay(dir: string, namespace: string): this {
    this.overlay = { dir, namespace };
    return this;
  }

  abstract start(): Promise<StartedCluster>;
}

export interface FinishedStart {
  ingress?: { mode: IngressControllerMode; nodePort: number };
  overlay?: string;
  timings: Record<string, number>;
}

/**
 * What both providers do once the cluster answers and has the images: the ingress controller and the overlay, side
 * by side (neither needs the other to be ready).
 */
export async function startIngressAndOverlay(
  cluster: ConnectedCluster,
  plan: { ingress?: IngressControllerMode; overlay?: { dir: string; namespace: string } },
  log: (message: string) => void,
): Promise<FinishedStart> {
  const timings: Record<string, number> = {};
  const startIngress = async (mode: IngressControllerMode): Promise<FinishedStart['ingress']> => {
    const started = Date.now();
    const nodePort = await startIngressController(cluster, mode);
    timings.ingressReady = seconds(Date.now() - started);
    log(`ingress controller (Traefik, ${mode === 'existing' ? "the cluster's own" : 'images/traefik'}) ready in ${timings.ingressReady} s`);
    return { mode, nodePort };
  };
  const applyOverlay = async ({ dir, namespace }: { dir: string; namespace: string }): Promise<string> => {
    const started = Date.now();
    await cluster.apply(dir);
    await cluster.waitForDeployments(namespace);
    timings.overlayAvailable = seconds(Date.now() - started);
    log(`${dir} applied and available in ${timings.overlayAvailable} s`);
    return dir;
  };
  const [ingress, overlay] = await Promise.all([plan.ingress && startIngress(plan.ingress), plan.overlay && applyOverlay(plan.overlay)]);
  return { ...(ingress ? { ingress } : {}), ...(overlay ? { overlay } : {}), timings };
}
