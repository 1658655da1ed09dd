import { AbstractStartedContainer, GenericContainer, type StartedTestContainer } from 'testcontainers';
import { run } from '../../images/docker-cli.js';
import { K3S_SYSTEM_IMAGES_TARGET } from '../../images/k3s-airgap.js';
import { suiteLabels } from './suite-labels.js';
import { agentCommand, nodeLaunch } from './node-settings.js';

/**
 * A Kubernetes agent node in a container, in testcontainers' module style: the `node` image (rancher/k3s upstream, or
 * the offline build, which speaks the same command line) started as `agent --server URL --token TOKEN`. It runs
 * containerd, the kubelet and kube-proxy and joins the server over a network both are on. Privileged, with the host's
 * cgroup namespace and /run on tmpfs, as K3sContainer runs the server.
 *
 *   const agent = await new AgentContainer(image).withNetworkMode(network).withServer('https://172.18.0.2:6443')
 *     .withToken(token).withNodeName('kms-agent-1').start();
 *   await agent.kill(); // SIGKILL: the node is lost, as when a machine dies
 */
export class AgentContainer extends GenericContainer {
  private serverUrl?: string;
  private token?: string;
  private nodeName?: string;
  private taints: string[] = [];
  private systemImages?: string;

  constructor(private readonly image: string) {
    super(image);
    // As K3sContainer does (the field is missing from testcontainers' HostConfig type).
    Object.assign(this.hostConfig, { CgroupnsMode: 'host' });
    this.withPrivilegedMode()
      .withBindMounts([{ source: '/sys/fs/cgroup', target: '/sys/fs/cgroup' }])
      .withTmpFs({ '/run': 'rw' })
      .withTmpFs({ '/var/run': 'rw' })
      .withLabels(suiteLabels())
      .withStartupTimeout(60_000);
  }

  /** The server's URL as the agent reaches it on the shared network, e.g. https://172.18.0.2:6443. */
  withServer(url: string): this {
    this.serverUrl = url;
    return this;
  }

  /** The server's token (its node-token file: K10<CA hash>::server:<password>). */
  withToken(token: string): this {
    this.token = token;
    return this;
  }

  withNodeName(name: string): this {
    this.nodeName = name;
    return this;
  }

  /**
   * Taints the Node registers with (`key=value:Effect`), so that only pods that tolerate them land on it. Passed as
   * the kubelet's --register-with-taints, which rancher/k3s forwards as well.
   */
  withTaints(...taints: string[]): this {
    this.taints.push(...taints);
    return this;
  }

  /** A tarball of the node's own system images (images/k3s-airgap.ts), imported at boot instead of pulled. */
  withSystemImages(tarball: string): this {
    this.systemImages = tarball;
    return this;
  }

  override async start(): Promise<StartedAgentContainer> {
    if (!this.serverUrl || !this.token || !this.nodeName) throw new Error('AgentContainer needs withServer(), withToken() and withNodeName()');
    this.withCommand(agentCommand({ serverUrl: this.serverUrl, token: this.token, nodeName: this.nodeName, taints: this.taints }));
    const launch = nodeLaunch(this.image);
    this.withCopyContentToContainer(launch.files);
    if (launch.entrypoint) this.withEntrypoint(launch.entrypoint);
    if (this.systemImages) this.withCopyFilesToContainer([{ source: this.systemImages, target: K3S_SYSTEM_IMAGES_TARGET }]);
    return new StartedAgentContainer(await super.start(), this.nodeName);
  }
}

export class StartedAgentContainer extends AbstractStartedContainer {
  constructor(
    startedTestContainer: StartedTestContainer,
    private readonly nodeName: string,
  ) {
    super(startedTestContainer);
  }

  /** The Node's name in the cluster. */
  getNodeName(): string {
    return this.nodeName;
  }

  /** Ends the node abruptly (SIGKILL to every process in it, no shutdown): the container stays, exited. */
  async kill(): Promise<void> {
    const killed = await run('docker', ['kill', '--signal', 'KILL', this.getId()]);
    if (killed.code !== 0) throw new Error(`docker kill ${this.nodeName} failed: ${killed.stderr.trim()}`);
  }

  /** Removes the container, running or killed (stop() would fail on one that is no longer running). */
  async remove(): Promise<void> {
    const removed = await run('docker', ['rm', '--force', '--volumes', this.getId()]);
    if (removed.code !== 0 && !/No such container/i.test(removed.stderr)) throw new Error(`docker rm ${this.nodeName} failed: ${removed.stderr.trim()}`);
  }
}
