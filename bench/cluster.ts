// npm run bench:cluster — the cluster figures: warm image resolution, node image size, the cold build times recorded
// by the last builds, and BENCH_CLUSTER_RUNS (default 3) whole cluster starts as `npm run up` makes them (the
// ContainerCluster's own timings): node container start -> node Ready; kube-system (CoreDNS and metrics-server)
// available; the system's 4 images loaded into the node (meanwhile); manifests/overlays/local applied -> every
// Deployment available. Each figure is reported as the median (min–max) of the starts, like npm run bench.
// Results: bench/results/cluster.json and bench/results/cluster.md.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { catalog, repoRoot } from '../images/catalog.js';
import { imageSizeBytes } from '../images/docker-cli.js';
import { buildRecordsFile, resolveImages } from '../images/resolve.js';
import { ContainerCluster } from '../harness/cluster/container-cluster.js';
import { seconds } from '../harness/seconds.js';
import { NAMESPACE, SYSTEM_IMAGES } from '../harness/system.js';
import { configureTestcontainers } from '../harness/testcontainers-env.js';
import { DEPLOYED_OVERLAY } from './image-runtime.js';
import { formatSpread, spread, type Spread } from './stats.js';

const runs = Number(process.env.BENCH_CLUSTER_RUNS ?? 3);
const since = (t: number) => seconds(Date.now() - t);

const FIGURES = {
  nodeReady: 'node container start → node Ready',
  systemReady: '→ kube-system available (CoreDNS and metrics-server), from node Ready',
  imagesLoaded: `the system's ${SYSTEM_IMAGES.length} images loaded into the node, from node Ready (meanwhile kube-system comes up; read once it is, so never less)`,
  overlayAvailable: `${DEPLOYED_OVERLAY} applied → every Deployment available`,
  total: 'whole start (images resolved → system available)',
} as const;
type Figure = keyof typeof FIGURES;

async function oneStart(): Promise<Record<Figure, number>> {
  const cluster = await new ContainerCluster().withImages(SYSTEM_IMAGES).withOverlay(DEPLOYED_OVERLAY, NAMESPACE).start();
  try {
    const timings = cluster.info.timings;
    const pick = (figure: Figure) => {
      const value = timings[figure];
      if (value === undefined) throw new Error(`the cluster reported no ${figure} timing (it has ${Object.keys(timings).join(', ')})`);
      return value;
    };
    return { nodeReady: pick('nodeReady'), systemReady: pick('systemReady'), imagesLoaded: pick('imagesLoaded'), overlayAvailable: pick('overlayAvailable'), total: pick('total') };
  } finally {
    await cluster.stop();
  }
}

async function main(): Promise<void> {
  configureTestcontainers();
  const loadAtStart = loadavg().map((value) => Math.round(value * 100) / 100);
  const resolveStarted = Date.now();
  const images = await resolveImages(Object.keys(catalog));
  const warmResolveSeconds = since(resolveStarted);
  const nodeImageBytes = await imageSizeBytes(images.node!);

  const starts: Record<Figure, number>[] = [];
  for (let i = 0; i < runs; i++) {
    const result = await oneStart();
    console.log(`[bench] start ${i + 1}/${runs}: ${Object.entries(result).map(([figure, value]) => `${figure} ${value} s`).join(', ')}`);
    starts.push(result);
  }
  const figures = Object.fromEntries((Object.keys(FIGURES) as Figure[]).map((figure) => [figure, spread(starts.map((start) => start[figure]), 1)])) as Record<Figure, Spread>;
  const builds = existsSync(buildRecordsFile()) ? (JSON.parse(readFileSync(buildRecordsFile(), 'utf8')) as Record<string, { seconds: number }>) : {};
  const results = {
    measuredAt: new Date().toISOString(),
    machine: { cpus: cpus().length, loadAverage: { atStart: loadAtStart, atEnd: loadavg().map((value) => Math.round(value * 100) / 100) } },
    nodeImage: images.node,
    nodeImageMiB: Math.round(nodeImageBytes / 2 ** 20),
    warmResolveSeconds,
    lastBuildSeconds: Object.fromEntries(Object.entries(builds).map(([name, record]) => [name, record.seconds])),
    starts,
    figures,
  };
  const out = join(repoRoot, 'bench', 'results');
  writeFileSync(join(out, 'cluster.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(
    join(out, 'cluster.md'),
    [
      `# Cluster figures (${results.measuredAt})`,
      '',
      `${results.machine.cpus} CPUs; load average ${results.machine.loadAverage.atStart.join(' / ')} at the start, ${results.machine.loadAverage.atEnd.join(' / ')} at the end (1 / 5 / 15 min). ` +
        `Each start is a ContainerCluster with the system's images and ${DEPLOYED_OVERLAY}, as \`npm run up\` makes it; median (min–max) of ${runs} starts, in seconds.`,
      '',
      `| figure | value |`,
      `| --- | --- |`,
      `| node image | ${results.nodeImage}, ${results.nodeImageMiB} MiB |`,
      `| all images resolved, warm | ${warmResolveSeconds} s |`,
      ...Object.entries(results.lastBuildSeconds).map(([name, s]) => `| last build of ${name} | ${s} s |`),
      ...(Object.keys(FIGURES) as Figure[]).map((figure) => `| ${FIGURES[figure]} | ${formatSpread(figures[figure])} s (${figures[figure].values.join(', ')}) |`),
      '',
    ].join('\n'),
  );
  console.log(readFileSync(join(out, 'cluster.md'), 'utf8'));
}

main().catch((error: unknown) => {
  console.error(`[bench] ${(error as Error).message}`);
  process.exit(1);
});
