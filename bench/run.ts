// npm run bench: throughput of the api-gateway against a bare Express server doing the same work, and each service's
// RSS idle and after load, with the Node flags, environment and memory limit the images and manifests really use
// (bench/image-runtime.ts). Every program runs from the same esbuild bundle the images ship, in a container of the
// runtime image the service images are built on, under its Deployment's memory limit (the bare server under the
// gateway's), on the host's network, against a real Redis in a container. The load generator (autocannon,
// bench/load-generator.ts) runs in a process of its own; with two CPUs or more, the server under test has CPU 1 to
// itself and the generator and Redis share CPU 0. The CPU each got is recorded, and a ratio is flagged as meaningless
// when the bare server was not the bottleneck. Results: bench/results/latest.json and latest.md. No pass/fail: figures
// are compared with the targets.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RedisContainer, type StartedRedisContainer } from '@testcontainers/redis';
import { build } from 'esbuild';
import { run } from '../images/docker-cli.js';
import { resolveImages } from '../images/resolve.js';
import { configureTestcontainers } from '../harness/testcontainers-env.js';
import { DEPLOYED_OVERLAY, serviceRuntime, type ServiceRuntime } from './image-runtime.js';
import type { LoadReport, LoadRequest } from './load-generator.js';
import { RENDERER_DIR_IN_IMAGE } from '../services/shared/src/docs/renderer-assets.js';
import { cpuShare, residentMb } from './process-cpu.js';
import { formatSpread, spread, type Spread } from './stats.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS_DIR = join(ROOT, 'bench', 'results');
const SETTINGS = {
  /** Gateway then bare, this many times, per endpoint (A B A B ...), each pair on fresh starts of both. */
  pairs: 5,
  measureSeconds: 5,
  warmupSeconds: 2,
  /**
   * Connections of the throughput pairs: with `pipelining`, 100 requests in flight, enough to keep either server's core
   * busy. Not 50 (500 in flight, as until 2026-11-30): each request then waits ~40 ms in the server's queue, about a
   * scavenge interval, so V8 copies and promotes the queue itself, and the ratio measured how much a queued request
   * holds; the gateway's cost per /api/status request then moved 67-108 µs from one start to the next (README, "Services").
   */
  connections: 10,
  /**
   * Requests each connection sends before it waits for answers. A client costs more CPU per request than a server:
   * one request at a time, autocannon on one core could not keep the bare server's core busy (it reached 0.38-0.81 of
   * it), and the ratio measured the generator. Ten in flight per connection, it can (0.96-0.99 of the core, the
   * generator at 0.2-0.5 of its own). For the throughput pairs only: the memory load is sent as clients send it.
   */
  pipelining: 10,
  /** Connections of the load between the memory readings, one request at a time each, as the services' clients send. */
  memoryLoadConnections: 50,
  /** Starts of the three services for the memory figures. */
  rssStarts: 5,
  /** Longer than the worker's 10 s interval of the deployed overlay, so its tasks have run once. */
  settleSeconds: 12,
  loadSeconds: 6,
} as const;
const TARGETS = { ratio: 0.9, idleRssMb: 80, loadedRssMb: 150 } as const;
/** A process at or above this share of its core is the bottleneck. */
const SATURATED = 0.9;

const SERVICES = ['api-gateway', 'worker', 'dashboard'] as const;
type ServiceName = (typeof SERVICES)[number];
type Program = ServiceName | 'bare-server';

const log = (message: string) => console.log(`[bench] ${message}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const pinning = availableParallelism() >= 2 ? { generator: '0', server: '1' } : undefined;
const pinned = (cpu: string | undefined, command: string, args: string[]): [string, string[]] =>
  cpu === undefined ? [command, args] : ['taskset', ['-c', cpu, command, ...args]];

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
  // Each serves /docs from the renderer packed beside its bundle, as in its image (images/service/build.sh).
  for (const service of SERVICES) {
    execFileSync(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'services', 'shared', 'src', 'docs', 'pack-renderer.ts'), join(outDir, service, RENDERER_DIR_IN_IMAGE)]);
  }
  return outputs;
}

interface Child {
  name: string;
  /** The `docker run` client, attached to the container's output. */
  process: ChildProcess;
  container: string;
  /** The program's process as the host sees it, for its CPU and RSS. */
  pid: number;
  url: string;
  output: () => string;
}

let nextPort = 18_500;
const children: Child[] = [];

/** Where and how a program runs: the runtime image, its container's memory limit, and a CPU to pin it to. */
interface Confinement {
  image: string;
  memoryBytes: number;
  cpu?: string;
}

/**
 * Runs a bundle (`file`, with what is packed beside it) as its image runs it: in a container of the runtime image, as
 * user 1000, under `memoryBytes` (no swap), with the image's Node flags, on the host's network so that no proxy sits
 * between the load and the server.
 */
async function startProgram(name: string, file: string, env: Record<string, string>, runtime: ServiceRuntime, confinement: Confinement): Promise<Child> {
  const port = nextPort++;
  const container = `kms-bench-${name}-${port}`;
  const variables = { ...runtime.imageEnv, ...env, PORT: String(port), HOST: '127.0.0.1', SHUTDOWN_DRAIN_SECONDS: '0' };
  const memory = String(confinement.memoryBytes);
  const child = spawn(
    'docker',
    [
      'run', '--rm', '--name', container, '--network', 'host', '--user', '1000:1000', '--memory', memory, '--memory-swap', memory,
      ...(confinement.cpu !== undefined ? ['--cpuset-cpus', confinement.cpu] : []),
      '--volume', `${dirname(file)}:/app:ro`,
      ...Object.entries(variables).flatMap(([key, value]) => ['--env', `${key}=${value}`]),
      confinement.image, 'node', ...runtime.nodeFlags, `/app/${basename(file)}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
  child.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
  const started: Child = { name, process: child, container, pid: 0, url: `http://127.0.0.1:${port}`, output: () => output };
  children.push(started);
  const probe = name === 'bare-server' || name === 'dashboard' ? '/health/live' : '/health/ready';
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${output}`);
    const ok = await fetch(`${started.url}${probe}`).then((response) => response.ok, () => false);
    if (ok) {
      started.pid = Number((await run('docker', ['inspect', '--format', '{{.State.Pid}}', container])).stdout.trim());
      return started;
    }
    await sleep(100);
  }
  throw new Error(`${name} did not become ready within 30 s:\n${output}`);
}

async function stopProgram(child: Child): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.process.once('exit', () => resolve()));
  // SIGTERM, then SIGKILL after 10 s; --rm removes the container.
  await run('docker', ['stop', '--time', '10', child.container]).catch(() => undefined);
  await exited;
}

/** What one load run measured: the generator's figures, and the CPU the server (and Redis) got meanwhile. */
interface LoadRun extends LoadReport {
  serverCpu?: number;
  redisCpu?: number;
}

/**
 * Runs the load generator in its own process (pinned), measuring `server`'s and Redis's CPU while it loads. One request
 * at a time per connection, as the services' clients send them, unless `pipelining` says otherwise (the throughput pairs).
 */
function load(url: string, seconds: number, connections: number, watch: { server?: Child; redisPid?: number } = {}, pipelining = 1): Promise<LoadRun> {
  const request: LoadRequest = { url, connections, seconds, pipelining };
  const [command, args] = pinned(pinning?.generator, process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'load-generator.ts'), JSON.stringify(request)]);
  const generator = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let buffered = '';
    let errors = '';
    let server: ReturnType<typeof cpuShare> | undefined;
    let redis: ReturnType<typeof cpuShare> | undefined;
    let report: LoadRun | undefined;
    generator.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    generator.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (line === 'started') {
          server = watch.server ? cpuShare(watch.server.pid) : undefined;
          redis = watch.redisPid !== undefined ? cpuShare(watch.redisPid) : undefined;
        } else if (line.startsWith('{')) {
          report = { ...(JSON.parse(line) as LoadReport), serverCpu: server?.stop(), redisCpu: redis?.stop() };
        }
      }
    });
    generator.on('close', (code) => {
      if (report && code === 0) resolve(report);
      else reject(new Error(`the load generator exited with ${code} on ${url}:\n${errors}`));
    });
  });
}

interface Pair {
  gateway: LoadRun;
  bare: LoadRun;
  ratio: number;
  /** Bare's server CPU per request over the gateway's: the throughput ratio both would reach on a core each. */
  cpuCostRatio?: number;
}

/** Server CPU per request, in µs. */
const cpuPerRequestUs = (run: LoadRun) => (run.serverCpu === undefined || run.requestsPerSecond === 0 ? undefined : (run.serverCpu / run.requestsPerSecond) * 1e6);

interface Comparison {
  pairs: Pair[];
  ratio: Spread;
  gatewayRequestsPerSecond: Spread;
  bareRequestsPerSecond: Spread;
  gatewayP99Ms: Spread;
  bareP99Ms: Spread;
  cpu: { gatewayServer: Spread; bareServer: Spread; generator: Spread; redis?: Spread };
  /** Server CPU per request (µs), and the ratio of bare's to the gateway's per pair: valid even when neither saturated. */
  cpuPerRequestUs: { gateway: Spread; bare: Spread };
  cpuCostRatio: Spread;
  /** Whether the ratio compares the servers' own cost; if not, why. */
  meaningful: boolean;
  verdict: string;
}

const memoryLimitsMb = (runtime: ServiceRuntime) =>
  Object.fromEntries(SERVICES.map((name) => [name, Math.round(runtime.memoryLimitBytes[name]! / 1024 ** 2)])) as Record<ServiceName, number>;

const spreadOf = (values: (number | undefined)[], decimals = 2) => spread(values.filter((value): value is number => value !== undefined), decimals);

/**
 * The ratio compares what each server costs only when each server is the bottleneck: its core busy. When the bare
 * server's core is not, the generator (or Redis, or the machine) limited both, and the ratio tends toward 1.
 */
function judge(cpu: Comparison['cpu']): { meaningful: boolean; verdict: string } {
  const loadCore = cpu.generator.median + (cpu.redis?.median ?? 0);
  if (cpu.bareServer.median >= SATURATED && cpu.gatewayServer.median >= SATURATED) {
    return { meaningful: true, verdict: `both servers saturated their core (bare ${cpu.bareServer.median}, gateway ${cpu.gatewayServer.median}); the generator's core was at ${Math.round(loadCore * 100) / 100}` };
  }
  const limiter =
    cpu.generator.median >= SATURATED
      ? `the load generator (${cpu.generator.median} of its core)`
      : cpu.redis && loadCore >= SATURATED
        ? `the generator and Redis on one core (${Math.round(loadCore * 100) / 100})`
        : cpu.redis && cpu.redis.median >= SATURATED
          ? `Redis (${cpu.redis.median} of a core)`
          : "outside the generator's core: the machine's other load, or waiting on Redis round trips";
  return {
    meaningful: false,
    verdict: `MEANINGLESS: the bare server used only ${cpu.bareServer.median} of its core (gateway ${cpu.gatewayServer.median}); the bottleneck was ${limiter}`,
  };
}

/** The two servers of one pair, started fresh. */
type StartPair = () => Promise<{ gateway: Child; bare: Child }>;

/**
 * Gateway then bare, SETTINGS.pairs times, each pair on fresh starts of both servers warmed up on `path`; the ratio of
 * each pair. Fresh starts, because a server's cost per request can differ from one start to the next (the gateway's per
 * /api/status request moved 67-108 µs under 500 requests in flight; README, "Services") while the pairs of one start
 * mostly agree: with one start per run, the spread would leave that out and a run's median be one start's luck.
 */
async function compare(path: string, startPair: StartPair, redisPid: number | undefined): Promise<Comparison> {
  const { pairs: count, measureSeconds, warmupSeconds, connections } = SETTINGS;
  log(`measuring ${path}: ${count} pairs (gateway, bare) of ${measureSeconds} s each, ${connections} connections, each pair on fresh starts`);
  const watchRedis = path === '/api/status' ? redisPid : undefined;
  const pairs: Pair[] = [];
  for (let index = 0; index < count; index++) {
    const { gateway, bare } = await startPair();
    let gatewayRun: LoadRun;
    let bareRun: LoadRun;
    try {
      await load(`${gateway.url}${path}`, warmupSeconds, connections, {}, SETTINGS.pipelining);
      await load(`${bare.url}${path}`, warmupSeconds, connections, {}, SETTINGS.pipelining);
      gatewayRun = await load(`${gateway.url}${path}`, measureSeconds, connections, { server: gateway, redisPid: watchRedis }, SETTINGS.pipelining);
      bareRun = await load(`${bare.url}${path}`, measureSeconds, connections, { server: bare, redisPid: watchRedis }, SETTINGS.pipelining);
    } finally {
      await Promise.all([stopProgram(gateway), stopProgram(bare)]);
    }
    const ratio = Math.round((gatewayRun.requestsPerSecond / bareRun.requestsPerSecond) * 1000) / 1000;
    const [gatewayCost, bareCost] = [cpuPerRequestUs(gatewayRun), cpuPerRequestUs(bareRun)];
    const cpuCostRatio = gatewayCost && bareCost ? Math.round((bareCost / gatewayCost) * 1000) / 1000 : undefined;
    pairs.push({ gateway: gatewayRun, bare: bareRun, ratio, ...(cpuCostRatio !== undefined ? { cpuCostRatio } : {}) });
    log(
      `  pair ${index + 1}: gateway ${gatewayRun.requestsPerSecond} req/s (cpu ${gatewayRun.serverCpu}), bare ${bareRun.requestsPerSecond} req/s ` +
        `(cpu ${bareRun.serverCpu}), generator cpu ${gatewayRun.generatorCpu}/${bareRun.generatorCpu}, ratio ${ratio}, CPU cost ratio ${cpuCostRatio}`,
    );
  }
  const all = pairs.flatMap((pair) => [pair.gateway, pair.bare]);
  const cpu: Comparison['cpu'] = {
    gatewayServer: spreadOf(pairs.map((pair) => pair.gateway.serverCpu)),
    bareServer: spreadOf(pairs.map((pair) => pair.bare.serverCpu)),
    generator: spreadOf(all.map((run) => run.generatorCpu)),
    ...(watchRedis !== undefined ? { redis: spreadOf(all.map((run) => run.redisCpu)) } : {}),
  };
  const comparison: Comparison = {
    pairs,
    ratio: spread(pairs.map((pair) => pair.ratio)),
    gatewayRequestsPerSecond: spread(pairs.map((pair) => pair.gateway.requestsPerSecond), 0),
    bareRequestsPerSecond: spread(pairs.map((pair) => pair.bare.requestsPerSecond), 0),
    gatewayP99Ms: spread(pairs.map((pair) => pair.gateway.latencyP99Ms), 0),
    bareP99Ms: spread(pairs.map((pair) => pair.bare.latencyP99Ms), 0),
    cpu,
    cpuPerRequestUs: {
      gateway: spreadOf(pairs.map((pair) => cpuPerRequestUs(pair.gateway)), 1),
      bare: spreadOf(pairs.map((pair) => cpuPerRequestUs(pair.bare)), 1),
    },
    cpuCostRatio: spreadOf(pairs.map((pair) => pair.cpuCostRatio)),
    ...judge(cpu),
  };
  log(`${path}: ratio ${formatSpread(comparison.ratio)}, CPU cost ratio ${formatSpread(comparison.cpuCostRatio)}; ${comparison.verdict}`);
  return comparison;
}

type RssStart = Record<ServiceName, { idleMb: number; afterLoadMb: number }>;

/**
 * The three services started together with the deployed overlay's environment and the image's flags; RSS read after
 * the settle time, then after load: the gateway at full throttle on /api/status then /health/live, the dashboard's
 * /api/overview (three upstream calls each), the worker's probes and metrics.
 */
async function rssStart(bundles: Record<Program, string>, redisUrl: string, runtime: ServiceRuntime, image: string): Promise<RssStart> {
  const env = runtime.containerEnv;
  const confined = (service: ServiceName): Confinement => ({ image, memoryBytes: runtime.memoryLimitBytes[service]! });
  const gateway = await startProgram('api-gateway', bundles['api-gateway'], { ...env['api-gateway'], REDIS_URL: redisUrl }, runtime, confined('api-gateway'));
  const worker = await startProgram('worker', bundles.worker, { ...env.worker, REDIS_URL: redisUrl }, runtime, confined('worker'));
  const dashboard = await startProgram(
    'dashboard',
    bundles.dashboard,
    { ...env.dashboard, GATEWAY_URL: gateway.url, WORKER_URL: worker.url, STATIC_DIR: '/app/public' },
    runtime,
    confined('dashboard'),
  );
  const services: Record<ServiceName, Child> = { 'api-gateway': gateway, worker, dashboard };
  await sleep(SETTINGS.settleSeconds * 1000);
  const idle = Object.fromEntries(SERVICES.map((name) => [name, residentMb(services[name].pid)]));
  const seconds = SETTINGS.loadSeconds;
  await load(`${gateway.url}/api/status`, seconds, SETTINGS.memoryLoadConnections);
  await load(`${gateway.url}/health/live`, seconds, SETTINGS.memoryLoadConnections);
  await load(`${dashboard.url}/api/overview`, seconds, 10);
  await Promise.all([load(`${worker.url}/health/ready`, seconds / 2, 20), load(`${worker.url}/metrics`, seconds / 2, 5)]);
  const afterLoad = Object.fromEntries(SERVICES.map((name) => [name, residentMb(services[name].pid)]));
  log(`RSS idle ${JSON.stringify(idle)}, after load ${JSON.stringify(afterLoad)} (MB)`);
  for (const child of Object.values(services)) await stopProgram(child);
  return Object.fromEntries(SERVICES.map((name) => [name, { idleMb: idle[name]!, afterLoadMb: afterLoad[name]! }])) as RssStart;
}

interface RssFigures {
  idleMb: Spread;
  afterLoadMb: Spread;
  idleWithinTarget: boolean;
  afterLoadWithinTarget: boolean;
}

interface Results {
  measuredAt: string;
  durationSeconds: number;
  machine: { cpus: number; cpuModel: string; node: string; loadAverage: { atStart: number[]; atEnd: number[] } };
  redisImage: string;
  settings: typeof SETTINGS & { saturatedAt: number; pinning: string };
  runtime: {
    nodeFlags: string[];
    nodeOptions: Record<ServiceName, string | null>;
    imageEnv: Record<string, string>;
    environmentFrom: string;
    image: string;
    memoryLimitMb: Record<ServiceName, number>;
  };
  targets: typeof TARGETS;
  throughput: { healthLive: Comparison & { withinTarget: boolean }; apiStatus: Comparison & { withinTarget: boolean } };
  rss: Record<ServiceName, RssFigures>;
  /** The run before this one (bench/results/previous.json): its median ratios, to see whether the figures hold. */
  previousRun?: { measuredAt: string; healthLiveRatio: number; apiStatusRatio: number };
}

/** Moves the last results to previous.{json,md} and returns their median ratios. */
function keepPreviousRun(): Results['previousRun'] {
  const latest = join(RESULTS_DIR, 'latest.json');
  if (!existsSync(latest)) return undefined;
  const previous = JSON.parse(readFileSync(latest, 'utf8')) as Partial<Results>;
  renameSync(latest, join(RESULTS_DIR, 'previous.json'));
  if (existsSync(join(RESULTS_DIR, 'latest.md'))) renameSync(join(RESULTS_DIR, 'latest.md'), join(RESULTS_DIR, 'previous.md'));
  const { healthLive, apiStatus } = previous.throughput ?? {};
  if (!previous.measuredAt || !healthLive?.ratio?.median || !apiStatus?.ratio?.median) return undefined;
  return { measuredAt: previous.measuredAt, healthLiveRatio: healthLive.ratio.median, apiStatusRatio: apiStatus.ratio.median };
}

async function main(): Promise<void> {
  const startedAt = Date.now();
  const loadAtStart = loadavg().map((value) => Math.round(value * 100) / 100);
  const workDir = mkdtempSync(join(tmpdir(), 'kms-bench-'));
  // The containers run as user 1000 and read the bundles from here.
  chmodSync(workDir, 0o755);
  let redis: StartedRedisContainer | undefined;
  try {
    const runtime = await serviceRuntime(SERVICES);
    log(`the images run node ${runtime.nodeFlags.join(' ')} with ${JSON.stringify(runtime.imageEnv)}; environment from ${DEPLOYED_OVERLAY}`);
    log('bundling the services with esbuild');
    const bundles = await bundle(workDir);

    configureTestcontainers();
    const images = await resolveImages(['redis', 'node-runtime']);
    const runtimeImage = images['node-runtime']!;
    log(`each program in a container of ${runtimeImage}, memory limits ${JSON.stringify(memoryLimitsMb(runtime))} (MiB)`);
    redis = await new RedisContainer(images.redis!).start();
    // Its container's own address, not the published port: that goes through docker-proxy, a userland process on no
    // CPU of ours that every command crosses twice. In the cluster, a Service's address is rewritten in the kernel.
    const redisUrl = `redis://${redis.getIpAddress(redis.getNetworkNames()[0] ?? 'bridge')}:6379`;
    const redisPid = Number((await run('docker', ['inspect', '--format', '{{.State.Pid}}', redis.getId()])).stdout.trim()) || undefined;
    if (pinning) await run('docker', ['update', '--cpuset-cpus', pinning.generator, redis.getId()]);
    log(`redis at ${redisUrl} (${images.redis}), pid ${redisPid}; ${pinning ? `generator and Redis on CPU ${pinning.generator}, server under test on CPU ${pinning.server}` : 'one CPU: nothing pinned'}`);

    const starts: RssStart[] = [];
    for (let index = 0; index < SETTINGS.rssStarts; index++) {
      log(`memory, start ${index + 1} of ${SETTINGS.rssStarts} (settle ${SETTINGS.settleSeconds} s)`);
      starts.push(await rssStart(bundles, redisUrl, runtime, runtimeImage));
    }

    // Throughput: the gateway against the bare server, one at a time on the server CPU, Redis filled by the worker.
    const gatewayEnv = { ...runtime.containerEnv['api-gateway'], REDIS_URL: redisUrl };
    const onServerCpu: Confinement = { image: runtimeImage, memoryBytes: runtime.memoryLimitBytes['api-gateway']!, ...(pinning ? { cpu: pinning.server } : {}) };
    const startPair: StartPair = async () => ({
      gateway: await startProgram('api-gateway', bundles['api-gateway'], gatewayEnv, runtime, onServerCpu),
      bare: await startProgram('bare-server', bundles['bare-server'], gatewayEnv, runtime, onServerCpu),
    });
    const healthLive = await compare('/health/live', startPair, redisPid);
    const apiStatus = await compare('/api/status', startPair, redisPid);

    const rss = Object.fromEntries(
      SERVICES.map((name) => {
        const idleMb = spread(starts.map((start) => start[name].idleMb), 1);
        const afterLoadMb = spread(starts.map((start) => start[name].afterLoadMb), 1);
        return [name, { idleMb, afterLoadMb, idleWithinTarget: idleMb.median <= TARGETS.idleRssMb, afterLoadWithinTarget: afterLoadMb.median <= TARGETS.loadedRssMb }];
      }),
    ) as Record<ServiceName, RssFigures>;
    const withinTarget = (comparison: Comparison) => comparison.meaningful && comparison.ratio.median >= TARGETS.ratio;
    const results: Results = {
      measuredAt: new Date().toISOString(),
      durationSeconds: Math.round((Date.now() - startedAt) / 1000),
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? 'unknown',
        node: process.version,
        loadAverage: { atStart: loadAtStart, atEnd: loadavg().map((value) => Math.round(value * 100) / 100) },
      },
      redisImage: images.redis!,
      settings: {
        ...SETTINGS,
        saturatedAt: SATURATED,
        pinning: pinning ? `server under test on CPU ${pinning.server}; load generator and Redis on CPU ${pinning.generator}` : 'none (one CPU)',
      },
      runtime: {
        nodeFlags: runtime.nodeFlags,
        nodeOptions: Object.fromEntries(SERVICES.map((name) => [name, runtime.containerEnv[name]?.NODE_OPTIONS ?? null])) as Record<ServiceName, string | null>,
        imageEnv: runtime.imageEnv,
        environmentFrom: DEPLOYED_OVERLAY,
        image: runtimeImage,
        memoryLimitMb: memoryLimitsMb(runtime),
      },
      targets: TARGETS,
      throughput: {
        healthLive: { ...healthLive, withinTarget: withinTarget(healthLive) },
        apiStatus: { ...apiStatus, withinTarget: withinTarget(apiStatus) },
      },
      rss,
    };
    mkdirSync(RESULTS_DIR, { recursive: true });
    const previousRun = keepPreviousRun();
    if (previousRun) results.previousRun = previousRun;
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

const delta = (now: number, before: number) => `${now >= before ? '+' : ''}${Math.round((now - before) * 100) / 100}`;

function markdown(results: Results): string {
  const mark = (ok: boolean) => (ok ? 'yes' : '**no**');
  const { healthLive, apiStatus } = results.throughput;
  const { settings, runtime, machine } = results;
  const row = (path: string, entry: Comparison & { withinTarget: boolean }) =>
    `| ${path} | **${formatSpread(entry.ratio)}** (${mark(entry.withinTarget)}) | ${formatSpread(entry.gatewayRequestsPerSecond)} | ${formatSpread(entry.bareRequestsPerSecond)} | ` +
    `${formatSpread(entry.gatewayP99Ms)} / ${formatSpread(entry.bareP99Ms)} | ${formatSpread(entry.cpu.gatewayServer)} / ${formatSpread(entry.cpu.bareServer)} | ` +
    `${formatSpread(entry.cpu.generator)}${entry.cpu.redis ? ` / ${formatSpread(entry.cpu.redis)}` : ''} | ${entry.pairs.reduce((sum, pair) => sum + pair.gateway.errors + pair.gateway.non2xx, 0)} |`;
  const pairsLine = (path: string, entry: Comparison) => `- ${path}: ${entry.pairs.map((pair) => pair.ratio).join(', ')}. ${entry.verdict}.`;
  const nodeOptions = Object.entries(runtime.nodeOptions).map(([name, value]) => `${name} ${value === null ? 'unset' : `\`${value}\``}`).join(', ');
  return [
    '# Bench results',
    '',
    `${results.measuredAt}, ${machine.cpus} CPUs (${machine.cpuModel}), Node ${machine.node}, ${results.durationSeconds} s; ` +
      `load average ${machine.loadAverage.atStart.join(' / ')} at the start, ${machine.loadAverage.atEnd.join(' / ')} at the end (1 / 5 / 15 min). ` +
      `Generated by \`npm run bench\`: each program runs from its esbuild bundle in a container of ${runtime.image} (the service images' base), on the host's network, against Redis in a container reached at its own address (no docker-proxy in between); ` +
      `the load generator (autocannon) runs in a process of its own. Pinning: ${settings.pinning}.`,
    '',
    `As the images run them: \`node ${runtime.nodeFlags.join(' ')}\` (images/service/build.sh), ${Object.entries(runtime.imageEnv).map(([key, value]) => `${key}=${value}`).join(' ')} ` +
      `(the runtime image), NODE_OPTIONS: ${nodeOptions}; each service's environment and memory limit from ${runtime.environmentFrom} (LOG_LEVEL, TASK_INTERVAL_SECONDS, ...; ` +
      `limits ${Object.entries(runtime.memoryLimitMb).map(([name, mb]) => `${name} ${mb} MiB`).join(', ')}: Node sizes its heap from it). The bare server gets the same flags and the gateway's limit.`,
    '',
    `## Throughput (${settings.pairs} pairs gateway, bare of ${settings.measureSeconds} s each, ${settings.connections} connections with ${settings.pipelining} requests in flight each; each pair on fresh starts of both servers, after a ${settings.warmupSeconds} s warm-up of each)`,
    '',
    'Median of the pairwise ratios (min–max); req/s, p99 and CPU as median (min–max) over the runs. CPU: share of one core used during the run.',
    '',
    '| endpoint | gateway / bare | gateway req/s | bare req/s | p99 ms gateway / bare | server CPU gateway / bare | generator CPU (/ Redis) | gateway errors + non-2xx |',
    '|---|---|---|---|---|---|---|---|',
    row('/health/live', healthLive),
    row('/api/status', apiStatus),
    '',
    'Server CPU per request (µs), median (min–max), and the ratio of bare\'s to the gateway\'s, pair by pair: the throughput ratio the two would reach each on a core of its own. ' +
      'It holds when the machine is too busy for either server to saturate its core, where the req/s ratio does not (both share the same contention, pair by pair).',
    '',
    '| endpoint | gateway µs/request | bare µs/request | CPU cost ratio (bare / gateway) |',
    '|---|---|---|---|',
    `| /health/live | ${formatSpread(healthLive.cpuPerRequestUs.gateway)} | ${formatSpread(healthLive.cpuPerRequestUs.bare)} | **${formatSpread(healthLive.cpuCostRatio)}** |`,
    `| /api/status | ${formatSpread(apiStatus.cpuPerRequestUs.gateway)} | ${formatSpread(apiStatus.cpuPerRequestUs.bare)} | **${formatSpread(apiStatus.cpuCostRatio)}** |`,
    '',
    `Target: at least ${TARGETS.ratio}x the bare server on both, counted only when both servers saturated their core (at least ${settings.saturatedAt} of it). Pairwise ratios:`,
    '',
    pairsLine('/health/live', healthLive),
    pairsLine('/api/status', apiStatus),
    '',
    ...(results.previousRun
      ? [
          `The run before (${results.previousRun.measuredAt}, bench/results/previous.md): /health/live ${results.previousRun.healthLiveRatio}, /api/status ${results.previousRun.apiStatusRatio}; ` +
            `differences ${delta(healthLive.ratio.median, results.previousRun.healthLiveRatio)} and ${delta(apiStatus.ratio.median, results.previousRun.apiStatusRatio)} (the figures hold when both are within ±0.05).`,
          '',
        ]
      : []),
    'The bare server does the same Redis round trips on /api/status (PING, then both worker hashes) without metrics, logging, body parsing or error handling.',
    '',
    `## Resident memory (VmRSS), median (min–max) of ${settings.rssStarts} starts (load between the readings: ${settings.memoryLoadConnections} connections, one request in flight each)`,
    '',
    `Idle: ${settings.settleSeconds} s after start (the worker on its deployed interval has run its tasks). After load: the gateway at full throttle for ${settings.loadSeconds} s on /api/status and ` +
      `${settings.loadSeconds} s on /health/live, the dashboard's /api/overview for ${settings.loadSeconds} s, the worker's probes and metrics for ${settings.loadSeconds / 2} s.`,
    '',
    `| service | idle MB (target <= ${TARGETS.idleRssMb}) | after load MB (target <= ${TARGETS.loadedRssMb}) |`,
    '|---|---|---|',
    ...Object.entries(results.rss).map(
      ([name, rss]) => `| ${name} | ${formatSpread(rss.idleMb)} (${mark(rss.idleWithinTarget)}) | ${formatSpread(rss.afterLoadMb)} (${mark(rss.afterLoadWithinTarget)}) |`,
    ),
    '',
    'An empty Node script takes about 42 MB with these flags; the rest is the libraries loaded at start and the heap.',
    '',
  ].join('\n');
}

process.once('SIGINT', () => {
  for (const child of children) {
    try {
      execFileSync('docker', ['rm', '--force', child.container], { stdio: 'ignore' });
    } catch {
      // Already gone.
    }
  }
  process.exit(130);
});

await main();
