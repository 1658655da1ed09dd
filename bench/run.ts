// npm run bench: throughput and latency of the api-gateway against a bare Express server doing the same work, and
// each service's RSS idle and after load. Everything runs on 127.0.0.1 against a real Redis in a container; each
// service runs as its own process from the same esbuild bundle the images ship. Results: bench/results/latest.json
// and latest.md. No pass/fail: figures are printed, recorded and compared with the targets.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, mkdirSync, writeFileSync, mkdtempSync, cpSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RedisContainer, type StartedRedisContainer } from '@testcontainers/redis';
import autocannon from 'autocannon';
import { build } from 'esbuild';
import { configureTestcontainers } from '../harness/testcontainers-env.js';
import { resolveImages } from '../images/resolve.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS_DIR = join(ROOT, 'bench', 'results');
const WARMUP_SECONDS = 2;
const MEASURE_SECONDS = 6;
const ROUNDS = 2;
const CONNECTIONS = 50;
const IDLE_SECONDS = 5;
const LOAD_SECONDS = 8;
const SEMI_SPACE_FLAG = '--max-semi-space-size=1';
const TARGETS = { liveRatio: 0.9, idleRssMb: 80, loadedRssMb: 150 } as const;

type Program = 'api-gateway' | 'worker' | 'dashboard' | 'bare-server';

const log = (message: string) => console.log(`[bench] ${message}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Bundles each program the way images/service/build.sh does (one ESM file, Node built-ins via createRequire). */
async function bundle(outDir: string): Promise<Record<Program, string>> {
  const entries: Record<Program, string> = {
    'api-gateway': 'services/api-gateway/src/main.ts',
    worker: 'services/worker/src/main.ts',
    dashboard: 'services/dashboard/src/main.ts',
    'bare-server': 'bench/bare-server.ts',
  };
  const outputs = {} as Record<Program, string>;
  for (const [program, entry] of Object.entries(entries) as [Program, string][]) {
    const outfile = join(outDir, program, 'main.mjs');
    await build({
      entryPoints: [join(ROOT, entry)],
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'esm',
      outfile,
      logLevel: 'warning',
      banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    });
    outputs[program] = outfile;
  }
  cpSync(join(ROOT, 'services', 'dashboard', 'public'), join(outDir, 'dashboard', 'public'), { recursive: true });
  return outputs;
}

interface Child {
  name: string;
  process: ChildProcess;
  url: string;
  output: () => string;
}

let nextPort = 18_500;
const children: Child[] = [];

async function startProgram(name: string, file: string, env: Record<string, string>, nodeFlags: string[] = []): Promise<Child> {
  const port = nextPort++;
  const child = spawn(process.execPath, [...nodeFlags, file], {
    env: { PATH: process.env.PATH ?? '', PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', SHUTDOWN_DRAIN_SECONDS: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const started: Child = { name, process: child, url: `http://127.0.0.1:${port}`, output: () => output };
  children.push(started);
  const probe = name === 'bare-server' || name.startsWith('dashboard') ? '/health/live' : '/health/ready';
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${output}`);
    const ok = await fetch(`${started.url}${probe}`).then((response) => response.ok, () => false);
    if (ok) return started;
    await sleep(100);
  }
  throw new Error(`${name} did not become ready within 20 s:\n${output}`);
}

async function stopProgram(child: Child): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.process.once('exit', () => resolve()));
  child.process.kill('SIGTERM');
  const timer = setTimeout(() => child.process.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

function rssMb(child: Child): number {
  const status = readFileSync(`/proc/${child.process.pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]);
  return Math.round((kb / 1024) * 10) / 10;
}

interface LoadResult {
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  requests: number;
  errors: number;
  non2xx: number;
}

async function load(url: string, seconds: number, connections = CONNECTIONS): Promise<LoadResult> {
  const result = await autocannon({ url, connections, duration: seconds, pipelining: 1 });
  return {
    requestsPerSecond: Math.round(result.requests.average),
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

/** Two rounds in alternating order, after a warm-up of each, so neither server always runs on a hotter machine. */
async function compare(path: string, gateway: Child, bare: Child) {
  await load(`${bare.url}${path}`, WARMUP_SECONDS);
  await load(`${gateway.url}${path}`, WARMUP_SECONDS);
  log(`measuring ${path} (${ROUNDS} rounds of ${MEASURE_SECONDS} s per server, ${CONNECTIONS} connections)`);
  const rounds: { gateway: LoadResult; bare: LoadResult }[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    if (round % 2 === 0) {
      const bareResult = await load(`${bare.url}${path}`, MEASURE_SECONDS);
      rounds.push({ bare: bareResult, gateway: await load(`${gateway.url}${path}`, MEASURE_SECONDS) });
    } else {
      const gatewayResult = await load(`${gateway.url}${path}`, MEASURE_SECONDS);
      rounds.push({ gateway: gatewayResult, bare: await load(`${bare.url}${path}`, MEASURE_SECONDS) });
    }
  }
  const gatewayResult = combine(rounds.map((entry) => entry.gateway));
  const bareResult = combine(rounds.map((entry) => entry.bare));
  const ratio = Math.round((gatewayResult.requestsPerSecond / bareResult.requestsPerSecond) * 100) / 100;
  log(`${path}: gateway ${gatewayResult.requestsPerSecond} req/s (p99 ${gatewayResult.latencyP99Ms} ms), bare ${bareResult.requestsPerSecond} req/s (p99 ${bareResult.latencyP99Ms} ms), ratio ${ratio}`);
  return { gateway: gatewayResult, bare: bareResult, ratio, rounds };
}

/** Mean rate over the rounds; the worst p99 (a tail is a tail). */
function combine(results: LoadResult[]): LoadResult {
  const mean = (pick: (result: LoadResult) => number) => Math.round(results.reduce((sum, result) => sum + pick(result), 0) / results.length);
  return {
    requestsPerSecond: mean((result) => result.requestsPerSecond),
    latencyP50Ms: Math.max(...results.map((result) => result.latencyP50Ms)),
    latencyP99Ms: Math.max(...results.map((result) => result.latencyP99Ms)),
    requests: results.reduce((sum, result) => sum + result.requests, 0),
    errors: results.reduce((sum, result) => sum + result.errors, 0),
    non2xx: results.reduce((sum, result) => sum + result.non2xx, 0),
  };
}

type ServiceName = 'api-gateway' | 'worker' | 'dashboard';
type RssProfile = Record<ServiceName, { idleMb: number; afterLoadMb: number }>;

/**
 * The three services started together (the worker running its tasks every second), RSS read after 5 s idle, then
 * after the same load for every configuration: the gateway at full throttle on /api/status then /health/live,
 * the dashboard's /api/overview (three upstream calls each), the worker's probes and metrics.
 */
async function rssProfile(bundles: Record<Program, string>, redisUrl: string, nodeFlags: string[]): Promise<RssProfile> {
  const label = nodeFlags.length > 0 ? ` (${nodeFlags.join(' ')})` : '';
  const gateway = await startProgram(`api-gateway${label}`, bundles['api-gateway'], { REDIS_URL: redisUrl }, nodeFlags);
  const worker = await startProgram(`worker${label}`, bundles.worker, { REDIS_URL: redisUrl, TASK_INTERVAL_SECONDS: '1' }, nodeFlags);
  const dashboard = await startProgram(`dashboard${label}`, bundles.dashboard, { GATEWAY_URL: gateway.url, WORKER_URL: worker.url }, nodeFlags);
  const services = { 'api-gateway': gateway, worker, dashboard };
  await sleep(IDLE_SECONDS * 1000);
  const idle = Object.fromEntries(Object.entries(services).map(([name, child]) => [name, rssMb(child)]));
  log(`idle RSS${label} (MB): ${JSON.stringify(idle)}`);

  await load(`${gateway.url}/api/status`, LOAD_SECONDS);
  await load(`${gateway.url}/health/live`, LOAD_SECONDS);
  await load(`${dashboard.url}/api/overview`, LOAD_SECONDS, 10);
  await Promise.all([load(`${worker.url}/health/ready`, LOAD_SECONDS / 2, 20), load(`${worker.url}/metrics`, LOAD_SECONDS / 2, 5)]);
  const afterLoad = Object.fromEntries(Object.entries(services).map(([name, child]) => [name, rssMb(child)]));
  log(`RSS after load${label} (MB): ${JSON.stringify(afterLoad)}`);
  for (const child of Object.values(services)) await stopProgram(child);

  return Object.fromEntries(
    (Object.keys(services) as ServiceName[]).map((name) => [name, { idleMb: idle[name]!, afterLoadMb: afterLoad[name]! }]),
  ) as RssProfile;
}

async function main(): Promise<void> {
  const startedAt = Date.now();
  const workDir = mkdtempSync(join(tmpdir(), 'kms-bench-'));
  let redis: StartedRedisContainer | undefined;
  try {
    log('bundling the services with esbuild');
    const bundles = await bundle(workDir);

    configureTestcontainers();
    const images = await resolveImages(['redis']);
    redis = await new RedisContainer(images.redis!).start();
    const redisUrl = redis.getConnectionUrl();
    log(`redis at ${redisUrl} (${images.redis})`);

    const rssDefault = await rssProfile(bundles, redisUrl, []);
    const rssSmallYoungGeneration = await rssProfile(bundles, redisUrl, [SEMI_SPACE_FLAG]);

    // Throughput: the gateway against the bare server, alone on the machine with Redis (which the worker filled).
    const gateway = await startProgram('api-gateway', bundles['api-gateway'], { REDIS_URL: redisUrl });
    const bare = await startProgram('bare-server', bundles['bare-server'], { REDIS_URL: redisUrl });
    const healthLive = await compare('/health/live', gateway, bare);
    const apiStatus = await compare('/api/status', gateway, bare);
    await stopProgram(bare);
    await stopProgram(gateway);

    const rss = Object.fromEntries(
      (Object.keys(rssDefault) as ServiceName[]).map((name) => [
        name,
        {
          ...rssDefault[name],
          idleWithinTarget: rssDefault[name].idleMb <= TARGETS.idleRssMb,
          afterLoadWithinTarget: rssDefault[name].afterLoadMb <= TARGETS.loadedRssMb,
          withSemiSpaceFlag: rssSmallYoungGeneration[name],
        },
      ]),
    );
    const results: Results = {
      measuredAt: new Date().toISOString(),
      durationSeconds: Math.round((Date.now() - startedAt) / 1000),
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version },
      redisImage: images.redis!,
      settings: {
        warmupSeconds: WARMUP_SECONDS,
        measureSeconds: MEASURE_SECONDS,
        rounds: ROUNDS,
        connections: CONNECTIONS,
        idleSeconds: IDLE_SECONDS,
        loadSeconds: LOAD_SECONDS,
        runtime: 'esbuild bundle (as images/service/build.sh builds it), one process per service',
      },
      targets: TARGETS,
      throughput: { healthLive: { ...healthLive, withinTarget: healthLive.ratio >= TARGETS.liveRatio }, apiStatus },
      rss,
    };
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(join(RESULTS_DIR, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(join(RESULTS_DIR, 'latest.md'), markdown(results));
    log(`done in ${results.durationSeconds} s: bench/results/latest.json, bench/results/latest.md`);
    console.log(`\n${markdown(results)}`);
  } catch (error) {
    for (const child of children) if (child.process.exitCode === null) console.error(`--- ${child.name} output ---\n${child.output()}`);
    throw error;
  } finally {
    await Promise.all(children.map(stopProgram));
    await redis?.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

interface Comparison {
  gateway: LoadResult;
  bare: LoadResult;
  ratio: number;
}

interface Results {
  measuredAt: string;
  durationSeconds: number;
  machine: { cpus: number; cpuModel: string; node: string };
  redisImage: string;
  settings: Record<string, number | string>;
  targets: typeof TARGETS;
  throughput: { healthLive: Comparison & { withinTarget: boolean }; apiStatus: Comparison };
  rss: Record<string, { idleMb: number; afterLoadMb: number; idleWithinTarget: boolean; afterLoadWithinTarget: boolean; withSemiSpaceFlag: { idleMb: number; afterLoadMb: number } }>;
}

function markdown(results: Results): string {
  const mark = (ok: boolean) => (ok ? 'yes' : '**no**');
  const { healthLive, apiStatus } = results.throughput;
  const row = (path: string, entry: Comparison) =>
    `| ${path} | ${entry.gateway.requestsPerSecond} | ${entry.gateway.latencyP99Ms} | ${entry.bare.requestsPerSecond} | ${entry.bare.latencyP99Ms} | ${entry.ratio} | ${entry.gateway.errors + entry.gateway.non2xx} |`;
  return [
    '# Bench results',
    '',
    `${results.measuredAt}, ${results.machine.cpus} CPUs (${results.machine.cpuModel}), Node ${results.machine.node}, ${results.durationSeconds} s. ` +
      'Generated by `npm run bench`: each service runs from its esbuild bundle as its own process, on 127.0.0.1, against Redis in a container; ' +
      'autocannon runs in the bench process.',
    '',
    `## Throughput (${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${MEASURE_SECONDS} s per server after a ${WARMUP_SECONDS} s warm-up; mean req/s, worst p99)`,
    '',
    '| endpoint | gateway req/s | gateway p99 ms | bare Express req/s | bare p99 ms | gateway / bare | gateway errors + non-2xx |',
    '|---|---|---|---|---|---|---|',
    row('/health/live', healthLive),
    row('/api/status', apiStatus),
    '',
    `Target on /health/live: at least ${TARGETS.liveRatio}x the bare server: ${mark(healthLive.withinTarget)}. ` +
      'The bare server does the same Redis round trips on /api/status (PING, then both worker hashes) without metrics, logging, body parsing or error handling.',
    '',
    '## Resident memory (VmRSS)',
    '',
    `Idle: ${IDLE_SECONDS} s after start, the worker running its tasks every second. After load: the gateway at full throttle for ${LOAD_SECONDS} s on /api/status and ` +
      `${LOAD_SECONDS} s on /health/live, the dashboard's /api/overview for ${LOAD_SECONDS} s, the worker's probes and metrics for ${LOAD_SECONDS / 2} s.`,
    '',
    `| service | idle MB (target <= ${TARGETS.idleRssMb}) | after load MB (target <= ${TARGETS.loadedRssMb}) | idle MB with ${SEMI_SPACE_FLAG} | after load MB with ${SEMI_SPACE_FLAG} |`,
    '|---|---|---|---|---|',
    ...Object.entries(results.rss).map(
      ([name, rss]) =>
        `| ${name} | ${rss.idleMb} (${mark(rss.idleWithinTarget)}) | ${rss.afterLoadMb} (${mark(rss.afterLoadWithinTarget)}) | ${rss.withSemiSpaceFlag.idleMb} | ${rss.withSemiSpaceFlag.afterLoadMb} |`,
    ),
    '',
    `${SEMI_SPACE_FLAG} caps V8's young generation (a runtime flag: NODE_OPTIONS or the image's command); ` +
      'most of the idle figure is Node itself (about 44 MB for an empty script) and the libraries loaded at start.',
    '',
  ].join('\n');
}

process.once('SIGINT', () => {
  for (const child of children) child.process.kill('SIGKILL');
  process.exit(130);
});

await main();
