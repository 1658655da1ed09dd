import type { IngressControllerMode } from './ingress-controller.js';
import type { NodeSettings } from './node-settings.js';

/** A node of the cluster that runs in a container this run started. */
export interface NodeContainer {
  nodeName: string;
  containerId: string;
  role: 'server' | 'agent';
}

/**
 * Everything a test file needs to reach the cluster that the global setup started, in a form that crosses from the
 * setup process to the test workers (vitest's provide/inject): plain data, no handles.
 */
export interface ClusterInfo {
  /** `container`: a node container this run started; `external`: the user's own cluster (KMS_KUBECONFIG). */
  mode: 'container' | 'external';
  kubeConfig: string;
  /** External mode: a node address reachable from this machine, where NodePorts answer (KMS_NODE_ADDRESS). */
  nodeAddress?: string;
  /** Where a NodePort is reached from the test process: nodePort -> base URL (http://127.0.0.1:<mapped>). */
  nodePortUrls: Record<string, string>;
  /** The node containers (container mode), so scenarios can exec into or stop a node. The server comes first. */
  nodeContainers: NodeContainer[];
  /** Container mode: the Docker network the nodes share, and the server's URL on it (where agents join). */
  network?: { name: string; serverUrl: string };
  /** The node settings the harness started the nodes with (container mode; node-settings.ts). */
  nodeSettings?: NodeSettings;
  /** Container mode on rancher/k3s: the tarball of the node's system images, put into every node before it boots. */
  systemImages?: string;
  /** Catalog name -> image reference in the cluster (in the nodes' containerd, or pulled from a registry). */
  images: Record<string, string>;
  /** Those of `images` not loaded at start: a file that deploys them calls `cluster.ensureImages()` first. */
  imagesOnDemand?: string[];
  /** The ingress controller (withIngress()): who provides it, and the NodePort of its web entrypoint. */
  ingress?: { mode: IngressControllerMode; nodePort: number };
  /** The overlay that was applied at start, if any. */
  overlay?: string;
  /** Seconds from start to: node container up, cluster usable (API + DNS), manifests applied and available. */
  timings: Record<string, number>;
}

/** The cluster's references for catalog image names; an error naming the cluster's images for a name it lacks. */
export function imageRefs(info: ClusterInfo, names: string[]): string[] {
  return names.map((name) => {
    const ref = info.images[name];
    if (!ref) throw new Error(`image ${name} is not one of the cluster's (${Object.keys(info.images).join(', ')})`);
    return ref;
  });
}
