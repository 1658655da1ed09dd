import type { SuiteConfig } from '../suite-config.js';
import type { ClusterProvider } from './cluster-provider.js';
import { ContainerCluster } from './container-cluster.js';
import { ExternalCluster } from './external-cluster.js';

/**
 * The provider the configuration asks for, chosen once (the scenarios' global setup, `npm run up`): the user's
 * cluster when KMS_KUBECONFIG is set, else nodes in containers with `nodePorts` mapped out of the server.
 */
export function chooseProvider(config: SuiteConfig, container: { nodePorts?: number[] } = {}): ClusterProvider {
  if (config.kubeconfig) {
    const external = new ExternalCluster(config.kubeconfig);
    if (config.nodeAddress) external.withNodeAddress(config.nodeAddress);
    if (config.imageRegistry) external.withImageRegistry(config.imageRegistry);
    return external;
  }
  return new ContainerCluster().withNodePorts(...(container.nodePorts ?? []));
}
