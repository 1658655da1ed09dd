import { request } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HealthState, addHealthRoutes } from './health.js';
import { createServiceApp } from './http-app.js';
import { createAppMetrics } from './metrics.js';
import { start, type RunningServer } from './server.js';
import { createShutdown } from './shutdown.js';
import { silentLogger } from './testing/helpers.js';
import { demoOpenApi } from './testing/openapi.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A promise with its resolver, so the test decides when a request or a shutdown step may go on. */
function gate(): { opened: Promise<void>; open(): void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

async function startSlowServer(health: HealthState, slow = gate(), slowEntered = gate()): Promise<RunningServer> {
  const app = createServiceApp({
    logger: silentLogger(),
    openapi: demoOpenApi,
    metrics: createAppMetrics('shutdown_demo'),
    mountRoutes(app) {
      addHealthRoutes(app, health, []);
      app.get('/slow', async (_req, res) => {
        slowEntered.open();
        await slow.opened;
        res.json({ finished: true });
      });
    },
  });
  return start(app, 0, '127.0.0.1');
}

describe('graceful shutdown', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  // Gates, not sleeps, order the events: a loaded CI host can stall timers for longer than any drain delay.
  it('fails readiness at once, waits the drain delay, lets in-flight requests finish, then runs the steps in order', async () => {
    const health = new HealthState();
    const slow = gate();
    const slowEntered = gate();
    const server = await startSlowServer(health, slow, slowEntered);
    cleanups.push(() => server.close());
    const checksDone = gate();
    const order: string[] = [];
    const drainMs = 200;
    let firstStepAfterMs = 0;
    let startedAt = 0;
    const shutdown = createShutdown({
      logger: silentLogger(),
      health,
      drainMs,
      timeoutMs: 30_000,
      steps: [
        {
          name: 'held open by the test',
          async run() {
            firstStepAfterMs = performance.now() - startedAt;
            await checksDone.opened;
          },
        },
        {
          name: 'close http server',
          async run() {
            const closed = server.close();
            slow.open();
            await closed;
            order.push('server closed');
          },
        },
        {
          name: 'quit redis',
          async run() {
            order.push('redis quit');
          },
        },
      ],
    });

    const inFlight = fetch(`${server.url}/slow`).then(async (response) => {
      order.push('in-flight request answered');
      return { status: response.status, body: await response.json() };
    });
    await slowEntered.opened;
    startedAt = performance.now();
    const done = shutdown.run('test');

    const duringDrain = await fetch(`${server.url}/health/ready`);
    expect(duringDrain.status).toBe(503);
    expect(await duringDrain.json()).toMatchObject({ reasons: ['shutting down'] });
    expect((await fetch(`${server.url}/health/live`)).status).toBe(200);
    checksDone.open();

    expect(await done).toBe(0);
    expect(firstStepAfterMs).toBeGreaterThanOrEqual(drainMs - 5);
    expect(await inFlight).toEqual({ status: 200, body: { finished: true } });
    expect(order).toEqual(['in-flight request answered', 'server closed', 'redis quit']);
    await expect(fetch(`${server.url}/health/live`)).rejects.toThrow();
  });

  it('does not wait for idle keep-alive connections', async () => {
    const server = await startSlowServer(new HealthState());
    const agentRequest = () =>
      new Promise<void>((resolve, reject) => {
        const req = request(`${server.url}/health/live`, { headers: { connection: 'keep-alive' } }, (res) => {
          res.resume();
          res.on('end', resolve);
        });
        req.on('error', reject);
        req.end();
      });
    await agentRequest();
    const startedAt = performance.now();
    await server.close();
    expect(performance.now() - startedAt).toBeLessThan(5000);
  });

  it('gives up after the timeout with exit code 1, and keeps going when a step fails', async () => {
    const ran: string[] = [];
    const stuck = createShutdown({
      logger: silentLogger(),
      health: new HealthState(),
      drainMs: 0,
      timeoutMs: 200,
      steps: [{ name: 'never ends', run: () => new Promise<void>(() => undefined) }],
    });
    const startedAt = performance.now();
    expect(await stuck.run('test')).toBe(1);
    expect(performance.now() - startedAt).toBeLessThan(5000);

    const failing = createShutdown({
      logger: silentLogger(),
      health: new HealthState(),
      drainMs: 0,
      timeoutMs: 1000,
      steps: [
        { name: 'fails', run: () => Promise.reject(new Error('nope')) },
        {
          name: 'still runs',
          async run() {
            ran.push('still runs');
          },
        },
      ],
    });
    expect(await failing.run('test')).toBe(1);
    expect(ran).toEqual(['still runs']);
  });

  it('exits when the shutdown is done on SIGTERM, and at once on a second signal', async () => {
    const exit = vi.fn<(code: number) => void>();
    const health = new HealthState();
    let release!: () => void;
    const shutdown = createShutdown({
      logger: silentLogger(),
      health,
      drainMs: 0,
      timeoutMs: 5000,
      steps: [{ name: 'slow step', run: () => new Promise<void>((resolve) => (release = resolve)) }],
      exit,
    });
    cleanups.push(shutdown.installSignalHandlers());

    process.emit('SIGTERM');
    expect(health.shuttingDown).toBe(true);
    await sleep(20);
    expect(exit).not.toHaveBeenCalled();

    process.emit('SIGTERM');
    expect(exit).toHaveBeenCalledExactlyOnceWith(1);

    release();
    await sleep(20);
    expect(exit).toHaveBeenLastCalledWith(0);
  });
});
