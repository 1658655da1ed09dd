// npm run up: the whole monitoring system in a local cluster, until Ctrl-C.
// Starts a Kubernetes node in a container (see harness/cluster), loads the images, applies manifests/overlays/local,
// waits until every Deployment is available, prints the URLs, and removes everything on Ctrl-C (or SIGTERM).
import { removeSuiteContainers } from '../harness/cleanup.js';
import { chooseProvider } from '../harness/cluster/choose-provider.js';
import type { StartedCluster } from '../harness/cluster/cluster-provider.js';
import { suiteConfig } from '../harness/suite-config.js';
import { INGRESS_HOST, NAMESPACE, SYSTEM_IMAGES, SYSTEM_NODE_PORTS } from '../harness/system.js';
import { dockerAvailable, run } from '../images/docker-cli.js';

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;
const say = (message: string) => console.log(`[up ${elapsed().padStart(5)}] ${message}`);

async function main(): Promise<void> {
  const docker = await dockerAvailable();
  if (!docker.ok) {
    throw new Error(`Docker is not reachable (${docker.reason}). Start a Docker engine (or run as root on Debian: npm run prepare-host) and try again.`);
  }
  const orphans = await removeSuiteContainers('orphaned');
  if (orphans.length > 0) say(`removed ${orphans.length} container(s) left by an earlier run`);

  say('resolving images, starting the cluster, deploying manifests/overlays/local (first run builds images: see README)');
  let cluster: StartedCluster | undefined;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      say('second signal: exiting now; run `npm run down` to remove what is left');
      process.exit(130);
    }
    stopping = true;
    say(`${signal}: removing the cluster`);
    await cluster?.stop();
    say('done, nothing left behind');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('Ctrl-C'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  cluster = await chooseProvider(suiteConfig(), { nodePorts: SYSTEM_NODE_PORTS })
    .withImages(SYSTEM_IMAGES)
    .withIngress()
    .withOverlay('manifests/overlays/local', NAMESPACE)
    .start();
  if (stopping) return;

  const dashboard = await cluster.serviceUrl('dashboard', NAMESPACE);
  const gateway = await cluster.serviceUrl('api-gateway', NAMESPACE);
  const ingress = new URL(cluster.ingressUrl());
  const kubeconfig = `${process.cwd()}/.cache/kubeconfig.yaml`;
  const { mkdirSync, writeFileSync } = await import('node:fs');
  mkdirSync(`${process.cwd()}/.cache`, { recursive: true });
  writeFileSync(kubeconfig, cluster.info.kubeConfig, { mode: 0o600 });
  say('the monitoring system is up:');
  console.log(`
  dashboard     ${dashboard}/
  api-gateway   ${gateway}/api/status   (also /api/info, /health/ready, /metrics)
  API reference ${gateway}/docs and ${dashboard}/docs   (each service renders its own contract; docs/api)
  ingress       http://${INGRESS_HOST}:${ingress.port}/   (Traefik; the Ingress routes by host name:
                  curl -H 'Host: ${INGRESS_HOST}' ${ingress.origin}/api/info
                  or, for a browser, add "${ingress.hostname} ${INGRESS_HOST}" to /etc/hosts)
  kubectl       KUBECONFIG=${kubeconfig} kubectl -n ${NAMESPACE} get pods

  Press Ctrl-C to stop and remove everything.
`);
  // Stay up until a signal; meanwhile notice a node that died under us instead of pretending all is well.
  const node = cluster.info.nodeContainers[0];
  setInterval(() => {
    if (stopping || !node) return;
    void run('docker', ['inspect', '--format', '{{.State.Running}}', node.containerId]).then((result) => {
      if (!stopping && result.stdout.trim() !== 'true') {
        console.error(`[up] the node container ${node.containerId.slice(0, 12)} is no longer running; see: docker logs ${node.containerId.slice(0, 12)}`);
        process.exit(1);
      }
    });
  }, 5_000);
}

main().catch((error: unknown) => {
  console.error(`[up] failed: ${(error as Error).message}`);
  console.error('[up] run `npm run down` to remove anything that was started');
  process.exit(1);
});
