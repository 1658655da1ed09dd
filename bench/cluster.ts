// npm run bench:cluster — the cluster figures: warm image resolution, node image size, the cold build times recorded
// by the last builds, and N cluster starts (container start -> node Ready -> CoreDNS ready -> metrics API serving).
// Results: bench/results/cluster.json and bench/results/cluster.md.
import type { V1Deployment } from '@kubernetes/client-node';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { catalog, repoRoot } from '../images/catalog.js';
import { imageSizeBytes } from '../images/docker-cli.js';
import { buildRecordsFile, resolveImages } from '../images/resolve.js';
import { kubeClients } from '../harness/kube/clients.js';
import { watchUntil } from '../harness/kube/watch-until.js';
import { ServerContainer } from '../harness/cluster/server-container.js';
import { seconds } from '../harness/seconds.js';
import { configureTestcontainers } from '../harness/testcontainers-env.js';

const runs = Number(process.env.BENCH_CLUSTER_RUNS ?? 3);
const since = (t: number) => seconds(Date.now() - t);

interface StartRun {
  nodeReady: number;
  corednsReady: number;
  metricsServing: number;
}

async function oneStart(image: string): Promise<StartRun> {
  const started = Date.now();
  const node = await new ServerContainer(image).withNodeName('kms-bench').start();
  try {
    const nodeReady = since(started);
    const clients = kubeClients(node.getKubeConfig());
    await watchUntil<V1Deployment>(clients.kc, {
      what: 'CoreDNS available',
      path: '/apis/apps/v1/namespaces/kube-system/deployments',
      list: () => clients.apps.listNamespacedDeployment({ namespace: 'kube-system' }),
      satisfied: (items) => items.some((d) => d.metadata?.name === 'coredns' && (d.status?.availableReplicas ?? 0) > 0),
      timeoutMs: 120_000,
    });
    const corednsReady = since(started);
    for (;;) {
      const metrics = await clients.metrics.getPodMetrics('kube-system').catch(() => ({ items: [] }));
      if (metrics.items.length > 0) break;
      if (Date.now() - started > 180_000) throw new Error('metrics API served no pod metrics within 180 s');
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    return { nodeReady, corednsReady, metricsServing: since(started) };
  } finally {
    await node.stop({ timeout: 10_000 });
  }
}

async function main(): Promise<void> {
  configureTestcontainers();
  const resolveStarted = Date.now();
  const images = await resolveImages(Object.keys(catalog));
  const warmResolveSeconds = since(resolveStarted);
  const nodeImageBytes = await imageSizeBytes(images.node!);

  const starts: StartRun[] = [];
  for (let i = 0; i < runs; i++) {
    const result = await oneStart(images.node!);
    console.log(`[bench] start ${i + 1}/${runs}: node Ready ${result.nodeReady} s, CoreDNS ready ${result.corednsReady} s, metrics ${result.metricsServing} s`);
    starts.push(result);
  }
  const builds = existsSync(buildRecordsFile()) ? (JSON.parse(readFileSync(buildRecordsFile(), 'utf8')) as Record<string, { seconds: number }>) : {};
  const results = {
    measuredAt: new Date().toISOString(),
    nodeImage: images.node,
    nodeImageMiB: Math.round(nodeImageBytes / 2 ** 20),
    warmResolveSeconds,
    lastBuildSeconds: Object.fromEntries(Object.entries(builds).map(([name, record]) => [name, record.seconds])),
    starts,
  };
  const out = join(repoRoot, 'bench', 'results');
  writeFileSync(join(out, 'cluster.json'), `${JSON.stringify(results, null, 2)}\n`);
  const median = (key: keyof StartRun) => [...starts.map((s) => s[key])].sort((a, b) => a - b)[Math.floor(starts.length / 2)];
  writeFileSync(
    join(out, 'cluster.md'),
    [
      `# Cluster figures (${results.measuredAt})`,
      '',
      `| figure | value |`,
      `| --- | --- |`,
      `| node image | ${results.nodeImage}, ${results.nodeImageMiB} MiB |`,
      `| all images resolved, warm | ${warmResolveSeconds} s |`,
      ...Object.entries(results.lastBuildSeconds).map(([name, s]) => `| last build of ${name} | ${s} s |`),
      `| node Ready (median of ${runs}) | ${median('nodeReady')} s (${starts.map((s) => s.nodeReady).join(', ')}) |`,
      `| CoreDNS ready (median of ${runs}) | ${median('corednsReady')} s (${starts.map((s) => s.corednsReady).join(', ')}) |`,
      `| metrics API serving (median of ${runs}) | ${median('metricsServing')} s (${starts.map((s) => s.metricsServing).join(', ')}) |`,
      '',
    ].join('\n'),
  );
  console.log(readFileSync(join(out, 'cluster.md'), 'utf8'));
}

main().catch((error: unknown) => {
  console.error(`[bench] ${(error as Error).message}`);
  process.exit(1);
});
