// Verifies a node image (images/node) under @testcontainers/k3s, as the suite uses it, and prints timings.
//   TESTCONTAINERS_RYUK_DISABLED=true TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1 npx tsx images/node/verify.ts <tag>
// 1. K3sContainer(tag).withExposedPorts(30080).start(); timings from the container's start: start() resolved,
//    node Ready, CoreDNS ready, metrics API serving pod metrics (plus the entrypoint's own progress lines);
// 2. from a busybox pod (its wget's -T segfaults: `timeout 5 wget` instead): DNS (kubernetes.default.svc.cluster.local, a Service name), a ClusterIP, pod egress to an
//    outside address rejected at once, an outside name answered NXDOMAIN; kubectl-style exec and logs; a
//    NetworkPolicy enforced between two pods on the node's bridge (kube-router), and lifted;
// 3. a NodePort Service reached on 127.0.0.1 through withExposedPorts(30080);
// 4. stop(): the container, its volumes and its cgroups are gone;
// 5. lifecycle: `docker stop` is quick and exits 0; killing kube-apiserver makes the node exit non-zero with the
//    tail of its log;
// 6. agent (--no-agent skips it): a server on a Docker network writes a K10 node-token; an agent container
//    (`agent --server https://<server IP>:6443 --token <node-token>`) joins and is Ready; a pod on the server reaches
//    a pod on the agent by pod IP and through a Service, and a NetworkPolicy on the agent's pod tells the server's
//    pod by its labels (its address kept across nodes); `docker stop` of the agent is quick; deleting its Node
//    removes the server's route to its pod CIDR.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { CoreV1Api, CustomObjectsApi, Exec, KubeConfig, NetworkingV1Api, type V1Pod, type V1Status } from '@kubernetes/client-node';
import { K3sContainer, type StartedK3sContainer } from '@testcontainers/k3s';
import { Network } from 'testcontainers';
import { suiteConfig } from '../../harness/suite-config.js';

const run = promisify(execFile);
const NODE_PORT = 30080;
const NAMESPACE = 'verify';

const tag = process.argv[2] ?? '';
if (!tag) {
  console.error('usage: npx tsx images/node/verify.ts <node image tag>');
  process.exit(2);
}
const versions = Object.fromEntries(
  readFileSync(new URL('./versions.env', import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => /^[A-Z_]+=/.test(line))
    .map((line) => line.split('=', 2) as [string, string]),
);
const BUSYBOX = versions.BUSYBOX_IMAGE!;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
let failures = 0;
function check(ok: boolean, what: string, detail = ''): void {
  console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${what}${detail ? `: ${detail}` : ''}`);
  if (!ok) failures++;
}

async function docker(...args: string[]): Promise<string> {
  return (await run('docker', args, { maxBuffer: 64 * 1024 * 1024 })).stdout.trim();
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await sleep(100);
  }
  throw new Error(`timed out after ${seconds(timeoutMs)} waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
}

function collector(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

/** Runs a command in a pod through the API; resolves with its exit status, stdout and stderr. */
async function execIn(kc: KubeConfig, pod: string, command: string[]): Promise<{ ok: boolean; out: string; ms: number }> {
  const stdout = collector();
  const stderr = collector();
  const started = Date.now();
  return new Promise((resolve, reject) => {
    new Exec(kc)
      .exec(NAMESPACE, pod, pod, command, stdout.stream, stderr.stream, null, false, (status: V1Status) =>
        resolve({ ok: status.status === 'Success', out: `${stdout.text()}${stderr.text()}`.trim(), ms: Date.now() - started }),
      )
      .catch(reject);
  });
}

function busyboxPod(name: string, script: string, labels: Record<string, string> = {}): V1Pod {
  return {
    metadata: { name, labels: { app: name, ...labels } },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: [{ name, image: BUSYBOX, imagePullPolicy: 'Never', command: ['sh', '-c', script] }],
    },
  };
}

async function podReady(core: CoreV1Api, namespace: string, selector: string): Promise<true | undefined> {
  const pods = await core.listNamespacedPod({ namespace, labelSelector: selector });
  const ready = pods.items.some((pod) => pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
  return ready ? true : undefined;
}

/**
 * NetworkPolicy enforcement (kube-router) from pod `client` to pod `web` (port 8080) at `target`: refused while a
 * policy lets only pods labelled role=friend in, open once the client carries that label, and open again without the
 * policy. Each check polls up to 10 s for the controller to act on the change.
 */
async function checkPolicy(kc: KubeConfig, target: string, where: string): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const networking = kc.makeApiClient(NetworkingV1Api);
  const fetchWeb = () => execIn(kc, 'client', ['timeout', '3', 'wget', '-q', '-O-', target]);
  const settles = async (what: string, open: boolean) => {
    const started = Date.now();
    const last = await until(what, 10_000, async () => {
      const result = await fetchWeb();
      return result.ok === open ? result : undefined;
    }).catch(() => undefined);
    check(last !== undefined, `${where}: ${what}`, last ? `after ${seconds(Date.now() - started)}, the last try ${last.ms} ms` : 'not within 10 s');
  };
  const setRole = (role: string | null) =>
    core.patchNamespacedPod({ name: 'client', namespace: NAMESPACE, body: [{ op: role ? 'add' : 'remove', path: '/metadata/labels/role', ...(role ? { value: role } : {}) }] });
  await networking.createNamespacedNetworkPolicy({
    namespace: NAMESPACE,
    body: {
      metadata: { name: 'web-friends-only' },
      spec: { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'], ingress: [{ _from: [{ podSelector: { matchLabels: { role: 'friend' } } }] }] },
    },
  });
  await settles('a pod the policy does not name is refused', false);
  await setRole('friend');
  await settles('the pod it names gets through', true);
  await setRole(null);
  await settles('refused again once the label is gone', false);
  await networking.deleteNamespacedNetworkPolicy({ name: 'web-friends-only', namespace: NAMESPACE });
  await settles('open once the policy is deleted', true);
}

function cgroupPaths(id: string): string[] {
  if (!existsSync('/sys/fs/cgroup')) return [];
  return readdirSync('/sys/fs/cgroup')
    .map((controller) => `/sys/fs/cgroup/${controller}/docker/${id}`)
    .filter((path) => existsSync(path));
}

async function startNode(): Promise<{ node: StartedK3sContainer; id: string; startedAt: number; resolvedAt: number }> {
  const node = await new K3sContainer(tag).withExposedPorts(NODE_PORT).start();
  const resolvedAt = Date.now();
  const id = node.getId();
  const startedAt = Date.parse(await docker('inspect', '-f', '{{.State.StartedAt}}', id));
  return { node, id, startedAt, resolvedAt };
}

async function mainRun(): Promise<void> {
  console.log(`== ${tag}: start with K3sContainer`);
  const { node, id, startedAt, resolvedAt } = await startNode();
  const volumes = (await docker('inspect', '-f', '{{range .Mounts}}{{if eq .Type "volume"}}{{.Name}} {{end}}{{end}}', id))
    .split(' ')
    .filter(Boolean);
  const since = (t: number) => seconds(t - startedAt);
  const timings: Record<string, string> = { 'start() resolved (node Ready)': since(resolvedAt) };

  const kc = new KubeConfig();
  kc.loadFromString(node.getKubeConfig());
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);

  try {
    const nodes = await core.listNode();
    const ready = nodes.items[0]?.status?.conditions?.find((c) => c.type === 'Ready');
    check(nodes.items.length === 1 && ready?.status === 'True', 'one node, Ready', nodes.items[0]?.metadata?.name);
    check(
      !(nodes.items[0]?.spec?.taints ?? []).some((t) => t.key === 'node.kubernetes.io/not-ready'),
      'node has no not-ready taint',
    );
    check(nodes.items[0]?.status?.nodeInfo?.kubeletVersion === versions.KUBERNETES_VERSION, 'kubelet version',
      nodes.items[0]?.status?.nodeInfo?.kubeletVersion);

    await until('CoreDNS ready', 60_000, () => podReady(core, 'kube-system', 'k8s-app=kube-dns'));
    timings['CoreDNS ready'] = since(Date.now());

    // Test workload: an HTTP server behind a ClusterIP and a NodePort Service, and a client pod.
    await core.createNamespace({ body: { metadata: { name: NAMESPACE } } });
    await core.createNamespacedPod({
      namespace: NAMESPACE,
      body: busyboxPod('web', 'mkdir -p /www && echo hello-from-web > /www/index.html && exec httpd -f -v -p 8080 -h /www'),
    });
    await core.createNamespacedPod({ namespace: NAMESPACE, body: busyboxPod('client', 'exec sleep 3600') });
    const selector = { app: 'web' };
    const web = await core.createNamespacedService({
      namespace: NAMESPACE,
      body: { metadata: { name: 'web' }, spec: { selector, ports: [{ port: 80, targetPort: 8080 }] } },
    });
    await core.createNamespacedService({
      namespace: NAMESPACE,
      body: {
        metadata: { name: 'web-nodeport' },
        spec: { type: 'NodePort', selector, ports: [{ port: 80, targetPort: 8080, nodePort: NODE_PORT }] },
      },
    });
    const podsAt = Date.now();
    await until('test pods ready', 60_000, async () =>
      (await podReady(core, NAMESPACE, 'app=web')) && (await podReady(core, NAMESPACE, 'app=client')),
    );
    timings['test pods ready (after creation)'] = seconds(Date.now() - podsAt);

    const dns = await execIn(kc, 'client', ['nslookup', 'kubernetes.default.svc.cluster.local']);
    check(dns.ok && dns.out.includes('10.43.0.1'), 'pod resolves kubernetes.default.svc.cluster.local', dns.out.split('\n').pop());
    const byName = await execIn(kc, 'client', ['timeout', '5', 'wget', '-q', '-O-', 'http://web.verify.svc.cluster.local']);
    check(byName.ok && byName.out === 'hello-from-web', 'pod reaches a Service by DNS name', byName.out);
    const clusterIp = web.spec?.clusterIP ?? '';
    const byIp = await execIn(kc, 'client', ['timeout', '5', 'wget', '-q', '-O-', `http://${clusterIp}`]);
    check(byIp.ok && byIp.out === 'hello-from-web', `pod reaches ClusterIP ${clusterIp}`, byIp.out);
    const missingPort = await execIn(kc, 'client', ['timeout', '5', 'wget', '-q', '-O-', `http://${clusterIp}:81`]);
    check(!missingPort.ok && missingPort.ms < 3000, 'a port the Service lacks is refused at once', `${missingPort.ms} ms: ${missingPort.out}`);
    const outside = await execIn(kc, 'client', ['timeout', '5', 'wget', '-q', '-O-', 'http://1.1.1.1']);
    check(!outside.ok && outside.ms < 3000, 'pod egress outside the cluster is rejected at once', `${outside.ms} ms: ${outside.out}`);
    const outsideName = await execIn(kc, 'client', ['nslookup', 'example.com']);
    check(!outsideName.ok && outsideName.ms < 3000, 'an outside name is not resolved (NXDOMAIN)', `${outsideName.ms} ms`);

    const nodePortUrl = `http://${node.getHost()}:${node.getMappedPort(NODE_PORT)}/`;
    const response = await until('the NodePort', 20_000, async () => {
      const res = await fetch(nodePortUrl, { signal: AbortSignal.timeout(2000) });
      return res.ok ? (await res.text()).trim() : undefined;
    });
    check(response === 'hello-from-web', `NodePort ${NODE_PORT} answers on ${nodePortUrl}`, response);
    const logs = await core.readNamespacedPodLog({ namespace: NAMESPACE, name: 'web' });
    check(typeof logs === 'string', 'pod logs readable through the API');
    const webIp = (await core.readNamespacedPod({ name: 'web', namespace: NAMESPACE })).status?.podIP ?? '';
    await checkPolicy(kc, `http://${webIp}:8080`, 'NetworkPolicy, pod to pod on the bridge');
    await checkPolicy(kc, `http://${clusterIp}`, 'NetworkPolicy, through a ClusterIP');

    await until('pod metrics from the metrics API', 120_000, async () => {
      const list = (await custom.listNamespacedCustomObject({
        group: 'metrics.k8s.io',
        version: 'v1beta1',
        namespace: 'kube-system',
        plural: 'pods',
      })) as { items?: unknown[] };
      return (list.items?.length ?? 0) > 0 ? true : undefined;
    });
    timings['metrics API serving pod metrics'] = since(Date.now());

    const progress = (await docker('logs', id)).split('\n');
    const reported = (text: string) => progress.find((line) => line.includes(text))?.match(/\+(\d+\.\d+)s/)?.[1];
    console.log('  timings from the container start (client side):');
    for (const [what, value] of Object.entries(timings)) console.log(`    ${what.padEnd(36)} ${value}`);
    console.log('  timings reported by the entrypoint:');
    for (const what of ['kube-apiserver ready', `Ready`, 'Node controller sync successful', 'CoreDNS ready', 'metrics-server ready']) {
      const line = progress.find((l) => l.includes(what) && !l.includes('WARNING'));
      console.log(`    ${what.padEnd(36)} ${reported(what) ?? '-'} s   ${line ? '' : '(line not seen)'}`);
    }
  } finally {
    const stopStarted = Date.now();
    await node.stop();
    const stopMs = Date.now() - stopStarted;
    const left = await docker('ps', '-aq', '--filter', `id=${id}`);
    check(left === '', `stop() removed the container (${seconds(stopMs)})`);
    const volumesLeft = (await docker('volume', 'ls', '-q')).split('\n').filter((v) => volumes.includes(v));
    check(volumesLeft.length === 0, `no volume left (the node had ${volumes.length})`, volumesLeft.join(' '));
    const cgroups = cgroupPaths(id);
    check(cgroups.length === 0, 'no cgroup left on the host', cgroups.join(' '));
  }
}

async function lifecycleRun(): Promise<void> {
  console.log('== docker stop (SIGTERM) of a running node');
  {
    const { node, id } = await startNode();
    const started = Date.now();
    await docker('stop', '-t', '20', id);
    const stopMs = Date.now() - started;
    const code = await docker('inspect', '-f', '{{.State.ExitCode}}', id);
    const tail = (await docker('logs', '--tail', '3', id)).split('\n');
    check(stopMs < 5000 && code === '0', `docker stop took ${seconds(stopMs)}, exit code ${code}`, tail.at(-1));
    await node.stop().catch(() => undefined);
    await docker('rm', '-fv', id).catch(() => '');
    check(cgroupPaths(id).length === 0, 'no cgroup left on the host');
  }
  console.log('== kube-apiserver killed inside a running node');
  {
    const { node, id } = await startNode();
    await docker('exec', id, 'pkill', 'kube-apiserver');
    const code = await run('docker', ['wait', id], { timeout: 30_000 }).then((r) => r.stdout.trim());
    const logs = await docker('logs', '--tail', '60', id);
    check(code !== '0', `the node exited with code ${code}`);
    check(/kube-apiserver (exited \(code \d+\)|stopped serving .*); last lines/.test(logs) && logs.includes('    | '),
      'its output names kube-apiserver and shows the tail of its log');
    console.log(logs.split('\n').filter((l) => / \+\d/.test(l)).slice(-4).map((l) => `    ${l}`).join('\n'));
    await node.stop().catch(() => undefined);
    await docker('rm', '-fv', id).catch(() => '');
  }
}

async function agentRun(): Promise<void> {
  console.log('== agent: a second node joins over a Docker network');
  const network = await new Network().start();
  const server = await new K3sContainer(tag).withNetwork(network).start();
  let agentId = '';
  try {
    const kc = new KubeConfig();
    kc.loadFromString(server.getKubeConfig());
    const core = kc.makeApiClient(CoreV1Api);
    const token = await docker('exec', server.getId(), 'cat', '/var/lib/rancher/k3s/server/node-token');
    check(/^K10[0-9a-f]{64}::server:\S+$/.test(token), 'the server wrote a k3s-style node-token (K10<CA hash>::server:<password>)');
    const serverUrl = `https://${server.getIpAddress(network.getName())}:6443`;
    const started = Date.now();
    agentId = await docker('run', '-d', '--privileged', '--cgroupns=host', '-v', '/sys/fs/cgroup:/sys/fs/cgroup', '--tmpfs', '/run', '--tmpfs', '/var/run',
      '--network', network.getName(), tag, 'agent', '--server', serverUrl, '--token', token, '--node-name=verify-agent');
    await until('the agent node Ready', 60_000, async () => {
      const node = await core.readNode({ name: 'verify-agent' });
      return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? true : undefined;
    });
    check(true, `agent node Ready ${seconds(Date.now() - started)} after docker run`);
    const agentNode = await core.readNode({ name: 'verify-agent' });
    check(agentNode.spec?.podCIDR === '10.42.1.0/24', 'the agent got pod CIDR 10.42.1.0/24', agentNode.spec?.podCIDR);

    await core.createNamespace({ body: { metadata: { name: NAMESPACE } } });
    const web = busyboxPod('web', 'mkdir -p /www && echo hello-from-agent > /www/index.html && exec httpd -f -p 8080 -h /www');
    web.spec!.nodeName = 'verify-agent';
    const client = busyboxPod('client', 'exec sleep 3600');
    client.spec!.nodeName = (await core.listNode()).items.find((n) => n.metadata?.name !== 'verify-agent')!.metadata!.name!;
    await core.createNamespacedPod({ namespace: NAMESPACE, body: web });
    await core.createNamespacedPod({ namespace: NAMESPACE, body: client });
    const service = await core.createNamespacedService({
      namespace: NAMESPACE,
      body: { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } },
    });
    await until('pods on both nodes ready', 60_000, async () =>
      (await podReady(core, NAMESPACE, 'app=web')) && (await podReady(core, NAMESPACE, 'app=client')),
    );
    const webIp = (await core.readNamespacedPod({ name: 'web', namespace: NAMESPACE })).status?.podIP ?? '';
    const direct = await execIn(kc, 'client', ['timeout', '5', 'wget', '-q', '-O-', `http://${webIp}:8080`]);
    check(direct.ok && direct.out === 'hello-from-agent', `a pod on the server reaches pod ${webIp} on the agent`, direct.out);
    const viaService = await execIn(kc, 'client', ['timeout', '5', 'wget', '-q', '-O-', `http://${service.spec?.clusterIP}`]);
    check(viaService.ok && viaService.out === 'hello-from-agent', 'and through a Service', viaService.out);
    const logs = await core.readNamespacedPodLog({ namespace: NAMESPACE, name: 'web' });
    check(typeof logs === 'string', "the agent's pod logs readable through the API");
    await checkPolicy(kc, `http://${webIp}:8080`, 'NetworkPolicy on the agent, from a pod on the server');

    const stopStarted = Date.now();
    await docker('stop', '-t', '20', agentId);
    const stopMs = Date.now() - stopStarted;
    const code = await docker('inspect', '-f', '{{.State.ExitCode}}', agentId);
    check(stopMs < 5000 && code === '0', `docker stop of the agent took ${seconds(stopMs)}, exit code ${code}`);
    const routed = async () => (await docker('exec', server.getId(), 'ip', 'route')).includes('10.42.1.0/24');
    check(await routed(), "the server routes the agent's pod CIDR");
    await core.deleteNode({ name: 'verify-agent' });
    await until("the server's route to the deleted node's pods removed", 20_000, async () => ((await routed()) ? undefined : true));
    check(true, "deleting the agent's Node removed the server's route to its pod CIDR");
  } finally {
    if (agentId) await docker('rm', '-fv', agentId).catch(() => '');
    await server.stop();
    await network.stop();
  }
}

async function main(): Promise<void> {
  if (suiteConfig().ryukDisabled !== true) {
    console.error('set TESTCONTAINERS_RYUK_DISABLED=true (Ryuk cannot be pulled here) and TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1');
    process.exit(2);
  }
  await mainRun();
  if (!process.argv.includes('--no-lifecycle')) await lifecycleRun();
  if (!process.argv.includes('--no-agent')) await agentRun();
  console.log(failures === 0 ? '== all checks passed' : `== ${failures} check(s) FAILED`);
  process.exit(failures === 0 ? 0 : 1);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
