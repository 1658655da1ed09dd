import { K3sContainer, StartedK3sContainer } from '@testcontainers/k3s';
import { run } from '../../images/docker-cli.js';
import { K3S_SYSTEM_IMAGES_TARGET } from '../../images/k3s-airgap.js';
import { NODE_SETTINGS, nodeLaunch, serverCommand, type NodeSettings } from './node-settings.js';
import { suiteLabels } from './suite-labels.js';

/** Where k3s (and the offline node image) keep the token agents join with. */
export const NODE_TOKEN_PATH = '/var/lib/rancher/k3s/server/node-token';

/**
 * The Kubernetes server node in a container, in testcontainers' module style: @testcontainers/k3s's K3sContainer,
 * unchanged underneath, with the suite's command line, kubelet drop-in and labels (node-settings.ts). `image` is
 * rancher/k3s upstream or the offline node image (images/node), which speaks the same command line and writes the
 * same kubeconfig.
 *
 *   const server = await new ServerContainer(image).withNodeName('kms-server').withNetwork(network).start();
 *   server.getKubeConfig();
 *
 * The network, when given, is the one agents join on, as the server's only network: agents reach it at its address
 * there (k3s's K3S_URL=https://<server IP>:6443), which is in its certificate. No network alias: testcontainers
 * attaches a container with aliases to the default bridge first, and a node with two networks may advertise the
 * address on the one the agents are not on.
 */
export class ServerContainer extends K3sContainer {
  private nodeName = 'kms-server';
  private settings: NodeSettings = NODE_SETTINGS;
  private systemImages?: string;

  constructor(private readonly image: string) {
    super(image);
    this.withLabels(suiteLabels()).withStartupTimeout(180_000);
  }

  withNodeName(name: string): this {
    this.nodeName = name;
    return this;
  }

  /** The settings the scenarios depend on (node-settings.ts); the suite's own by default. */
  withSettings(settings: NodeSettings): this {
    this.settings = settings;
    return this;
  }

  /** A tarball of the node's own system images (images/k3s-airgap.ts), imported at boot instead of pulled by the node. */
  withSystemImages(tarball: string): this {
    this.systemImages = tarball;
    return this;
  }

  override async start(): Promise<StartedServerContainer> {
    const launch = nodeLaunch(this.image, this.settings);
    this.withCommand(serverCommand(this.nodeName, this.settings)).withCopyContentToContainer(launch.files);
    if (launch.entrypoint) this.withEntrypoint(launch.entrypoint);
    if (this.systemImages) this.withCopyFilesToContainer([{ source: this.systemImages, target: K3S_SYSTEM_IMAGES_TARGET }]);
    return new StartedServerContainer(await super.start(), this.nodeName);
  }
}

/** The started server: K3sContainer's handle (getKubeConfig() and the rest), and the Node's name. */
export class StartedServerContainer extends StartedK3sContainer {
  constructor(
    private readonly server: StartedK3sContainer,
    private readonly nodeName: string,
  ) {
    super(server, ''); // every call goes to `server`, which holds the kubeconfig
  }

  override getKubeConfig(): string {
    return this.server.getKubeConfig();
  }

  override getAliasedKubeConfig(networkAlias: string): string {
    return this.server.getAliasedKubeConfig(networkAlias);
  }

  /** The Node's name in the cluster. */
  getNodeName(): string {
    return this.nodeName;
  }

  /**
   * The end of the node's own logs, for a failure message: the offline node image's kube-apiserver and kube-proxy
   * logs (/var/log/kms), or, on rancher/k3s (one process), the container's output.
   */
  async logTails(lines = 30): Promise<string> {
    const script = `for f in ${NODE_LOGS.map((name) => `/var/log/kms/${name}.log`).join(' ')}; do [ -f "$f" ] && { echo "--- $f (last ${lines} lines)"; tail -n ${lines} "$f"; }; done; true`;
    const own = await this.server.exec(['sh', '-c', script]).then((result) => result.output.trim(), (error: unknown) => `(could not read them: ${String(error)})`);
    if (own.length > 0) return own;
    // Not testcontainers' logs(): it follows the output, and a running node's never ends.
    const output = await run('docker', ['logs', '--tail', String(lines), this.getId()]);
    return `--- the container's output (last ${lines} lines)\n${`${output.stdout}${output.stderr}`.trim()}`;
  }
}

/** The components of the offline node whose logs tell why the cluster's own Services do not answer. */
const NODE_LOGS = ['kube-apiserver', 'kube-proxy'];
