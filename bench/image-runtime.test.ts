import { describe, expect, it } from 'vitest';
import { quantityBytes, serviceRuntime } from './image-runtime.js';

describe('how the bench reads the deployed containers', () => {
  it('reads memory quantities as Kubernetes writes them', () => {
    expect(quantityBytes('512Mi')).toBe(512 * 1024 * 1024);
    expect(quantityBytes('1Gi')).toBe(1024 ** 3);
    expect(quantityBytes('64Ki')).toBe(65_536);
    expect(quantityBytes('1.5G')).toBe(1_500_000_000);
    expect(quantityBytes('268435456')).toBe(268_435_456);
    expect(() => quantityBytes('512MB')).toThrow(/not a memory quantity/);
  });

  it("takes each service's memory limit from the overlay npm run up deploys", async () => {
    const runtime = await serviceRuntime(['api-gateway', 'worker', 'dashboard']);
    expect(runtime.memoryLimitBytes).toEqual({ 'api-gateway': 512 * 1024 ** 2, worker: 512 * 1024 ** 2, dashboard: 512 * 1024 ** 2 });
    expect(runtime.nodeFlags).toEqual(['--max-semi-space-size=16', '--expose-gc']);
  });
});
