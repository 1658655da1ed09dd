import { K3sContainer, type StartedK3sContainer } from '@testcontainers/k3s';
import { hostname } from 'node:os';

/** Labels on every container the suite starts: how `npm run down` and leftover cleanup find them. */
export const SUITE_LABEL = 'io.kube-microservices-suite';
export const OWNER_LABEL = 'io.kube-microservices-suite.owner';

export function suiteLabels(): Record<string, string> {
  return { [SUITE_LABEL]: 'true', [OWNER_LABEL]: `${hostname()}:${process.pid}` };
}

/**
 * A Kubernetes node in a container, started by @testcontainers/k3s unchanged: `image` is rancher/k3s upstream or
 * the offline node image (images/node), which speaks the same command line and writes the same kubeconfig.
 */
export async function startNodeContainer(image: string, nodePorts: number[], nodeName: string): Promise<StartedK3sContainer> {
  return new K3sContainer(image)
    .withCommand(['server', '--disable=traefik', `--node-name=${nodeName}`])
    .withExposedPorts(...nodePorts)
    .withLabels(suiteLabels())
    .withStartupTimeout(180_000)
    .start();
}
