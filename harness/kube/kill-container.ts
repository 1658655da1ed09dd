import type { V1Pod } from '@kubernetes/client-node';
import type { ConnectedCluster } from '../cluster/connected-cluster.js';

/**
 * Kills one container of a pod with SIGKILL, as a crash or the OOM killer would: through the containerd of the node
 * the pod runs on (a process cannot be SIGKILLed from inside its own container, where it is PID 1). Needs the
 * node's container (container mode).
 */
export async function killContainer(cluster: ConnectedCluster, pod: V1Pod, container: string): Promise<void> {
  const id = pod.status?.containerStatuses?.find((status) => status.name === container)?.containerID;
  if (!id?.startsWith('containerd://')) throw new Error(`container ${container} of ${pod.metadata?.name} has no containerd id (${id ?? 'none'})`);
  const nodeIndex = cluster.nodes().findIndex((node) => node.nodeName === pod.spec?.nodeName);
  if (nodeIndex < 0) throw new Error(`killing a container needs the node's container: ${pod.spec?.nodeName} is not one the suite runs (mode ${cluster.info.mode})`);
  await cluster.execInNode(['ctr', '-n', 'k8s.io', 'tasks', 'kill', '--signal', 'SIGKILL', id.slice('containerd://'.length)], nodeIndex);
}
