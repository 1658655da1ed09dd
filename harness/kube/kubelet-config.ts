import type { KubeClients } from './clients.js';

/** The settings a node's kubelet really runs with (after its config file, drop-ins and flags), as it reports them. */
export interface KubeletSettings {
  imageGCHighThresholdPercent?: number;
  evictionHard?: Record<string, string>;
  nodeLeaseDurationSeconds?: number;
  nodeStatusUpdateFrequency?: string;
}

/** Reads a node's kubelet configuration through the API server (`/api/v1/nodes/<node>/proxy/configz`). */
export async function kubeletSettings(clients: KubeClients, node: string): Promise<KubeletSettings> {
  // Typed as a string, but the client parses a JSON answer itself.
  const body: unknown = await clients.core.connectGetNodeProxyWithPath({ name: node, path: 'configz' });
  return ((typeof body === 'string' ? JSON.parse(body) : body) as { kubeletconfig: KubeletSettings }).kubeletconfig;
}

/** The duration a node's kubelet gives its lease (kube-node-lease/<node>), as the node lifecycle controller sees it. */
export async function nodeLeaseSeconds(clients: KubeClients, node: string): Promise<number | undefined> {
  const lease = await clients.objects.read({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: node, namespace: 'kube-node-lease' } });
  return (lease as { spec?: { leaseDurationSeconds?: number } }).spec?.leaseDurationSeconds;
}
