// A cluster the harness does not start, for trying the suite's external path (KMS_KUBECONFIG) as a user would with
// their own: two nodes of the node image started with plain `docker run` (a server and an agent on a network of
// their own), the suite's images preloaded into both nodes' containerd (as a registry would provide them), and
// Kubernetes' own timing (none of the harness's node settings).
//
//   npm run external-cluster -- up     prints the variables to export, then: npm run test:scenarios
//   npm run external-cluster -- down   removes the nodes and their network
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadImagesIntoNode } from '../harness/cluster/node-images.js';
import { INGRESS_CONTROLLER } from '../harness/cluster/ingress-controller.js';
import { MAYA_SAWA_NODE_PORTS, SCENARIO_IMAGES_ON_DEMAND, SYSTEM_IMAGES, laneNodePorts, scenarioLanes } from '../harness/system.js';
import { repoRoot } from '../images/catalog.js';
import { run } from '../images/docker-cli.js';
import { resolveImages } from '../images/resolve.js';

const NETWORK = 'kms-external';
const SERVER = 'kms-external-server';
const AGENT = 'kms-external-agent';
const KUBECONFIG = join(repoRoot, '.cache', 'external-kubeconfig.yaml');
const say = (message: string) => console.log(`[external-cluster] ${message}`);

async function docker(args: string[]): Promise<string> {
  const result = await run('docker', args);
  if (result.code !== 0) throw new Error(`docker ${args.slice(0, 3).join(' ')} … failed: ${result.stderr.trim()}`);
  return result.stdout.trim();
}

/** What K3sContainer gives a node: privileged, the host's cgroups, /run on tmpfs. */
const NODE_FLAGS = ['--privileged', '--cgroupns=host', '-v', '/sys/fs/cgroup:/sys/fs/cgroup', '--tmpfs', '/run', '--tmpfs', '/var/run', '--network', NETWORK];

async function waitForLog(container: string, line: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const logs = await run('docker', ['logs', container]);
    if ((logs.stdout + logs.stderr).includes(line)) return;
    await sleep(1_000);
  }
  throw new Error(`${container} did not log '${line}' within ${timeoutMs / 1000} s: docker logs ${container}`);
}

async function up(): Promise<void> {
  const started = Date.now();
  const images = await resolveImages(['node', ...SYSTEM_IMAGES, ...SCENARIO_IMAGES_ON_DEMAND, INGRESS_CONTROLLER.image]);
  // NodePorts the scenarios reach, published from the server (kube-proxy forwards to pods on either node).
  const lanes = Array.from({ length: scenarioLanes() }, (_, lane) => Object.values(laneNodePorts(lane))).flat();
  const ports = [...lanes, INGRESS_CONTROLLER.webNodePort, ...Object.values(MAYA_SAWA_NODE_PORTS)];
  await docker(['network', 'create', NETWORK]);
  await docker([
    'run', '-d', '--name', SERVER, '--hostname', SERVER, ...NODE_FLAGS,
    '-p', '127.0.0.1::6443', ...ports.flatMap((port) => ['-p', `127.0.0.1:${port}:${port}`]),
    images.node!, 'server', '--disable=traefik', `--node-name=${SERVER}`,
  ]);
  await waitForLog(SERVER, 'Node controller sync successful', 180_000);
  say(`server Ready after ${Math.round((Date.now() - started) / 1000)} s`);
  const token = await docker(['exec', SERVER, 'cat', '/var/lib/rancher/k3s/server/node-token']);
  const serverIp = await docker(['inspect', '-f', `{{(index .NetworkSettings.Networks "${NETWORK}").IPAddress}}`, SERVER]);
  await docker(['run', '-d', '--name', AGENT, '--hostname', AGENT, ...NODE_FLAGS, images.node!, 'agent', '--server', `https://${serverIp}:6443`, '--token', token, `--node-name=${AGENT}`]);
  await waitForLog(AGENT, `agent node ${AGENT} Ready`, 180_000);
  say('agent Ready; preloading the images into both nodes');
  const refs = Object.entries(images).filter(([name]) => name !== 'node').map(([, ref]) => ref);
  await Promise.all([SERVER, AGENT].map((node) => loadImagesIntoNode(node, refs)));
  const apiPort = (await docker(['port', SERVER, '6443/tcp'])).split('\n')[0]!.split(':').pop();
  const kubeconfig = (await docker(['exec', SERVER, 'cat', '/etc/rancher/k3s/k3s.yaml'])).replace(/server: https:\/\/[^\n]+/, `server: https://127.0.0.1:${apiPort}`);
  mkdirSync(join(repoRoot, '.cache'), { recursive: true });
  writeFileSync(KUBECONFIG, `${kubeconfig}\n`, { mode: 0o600 });
  say(`up in ${Math.round((Date.now() - started) / 1000)} s. Now:\n  export KMS_KUBECONFIG=${KUBECONFIG} KMS_NODE_ADDRESS=127.0.0.1\n  npm run test:scenarios`);
}

async function down(): Promise<void> {
  await run('docker', ['rm', '-f', '-v', SERVER, AGENT]);
  await run('docker', ['network', 'rm', NETWORK]);
  say('removed');
}

const command = process.argv[2];
(command === 'up' ? up() : command === 'down' ? down() : Promise.reject(new Error('usage: external-cluster up|down'))).catch((error: unknown) => {
  console.error(`[external-cluster] ${(error as Error).message}`);
  process.exit(1);
});
