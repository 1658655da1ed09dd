import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRampingLoad } from './ramp-load.js';

describe('startRampingLoad: load that rises until it is enough', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer((_request, response) => response.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('adds a step each time it is not enough, stops rising once it is, and adds up what every step sent', async () => {
    const answers = [false, false, true];
    const steps: number[] = [];
    const load = startRampingLoad({ url, connections: 2, startRate: 20, stepRate: 20, maxRate: 200, stepSeconds: 0.4, maxSeconds: 10, enough: async () => answers.shift() ?? true, onStep: (rate) => steps.push(rate) });
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(steps).toEqual([20, 40, 60]);
    expect(load.rate()).toBe(60);
    const total = await load.stop();
    expect(total.sent).toBeGreaterThan(40);
    expect(total.ok).toBe(total.sent);
  });

  it('rises again when what was enough stops being so', async () => {
    const answers = [true, false, true];
    const steps: number[] = [];
    const load = startRampingLoad({ url, connections: 1, startRate: 10, stepRate: 10, maxRate: 100, stepSeconds: 0.3, maxSeconds: 10, enough: async () => answers.shift() ?? true, onStep: (rate) => steps.push(rate) });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await load.stop();
    expect(steps).toEqual([10, 20]);
  });

  it('never rises above its maximum', async () => {
    const steps: number[] = [];
    const load = startRampingLoad({ url, connections: 1, startRate: 10, stepRate: 10, maxRate: 25, stepSeconds: 0.2, maxSeconds: 10, enough: async () => false, onStep: (rate) => steps.push(rate) });
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    await load.stop();
    expect(steps).toEqual([10, 20]);
  });
});
