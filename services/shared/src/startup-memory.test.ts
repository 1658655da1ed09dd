import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { serviceImageNodeFlags } from '../../../images/service/node-flags.js';
import { releaseStartupMemory } from './startup-memory.js';

interface Outcome {
  youngMbBefore: number;
  youngMbAfter: number;
  released: boolean;
}

/**
 * A process started with `flags` that keeps what a service's loading keeps (300,000 small objects), then releases its
 * start-up memory: the young generation's resident size before and after.
 */
function loadThenRelease(flags: string[]): Outcome {
  const script = `
    import v8 from 'node:v8';
    import { releaseStartupMemory } from ${JSON.stringify(new URL('./startup-memory.ts', import.meta.url).href)};
    const youngMb = () => v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space').physical_space_size / 2 ** 20;
    const loaded = Array.from({ length: 300000 }, (_, i) => ({ i, name: 'item ' + i }));
    const youngMbBefore = youngMb();
    const { released } = releaseStartupMemory();
    console.log(JSON.stringify({ youngMbBefore, youngMbAfter: youngMb(), released, kept: loaded.length }));`;
  const output = execFileSync(process.execPath, [...flags, '--import', 'tsx', '--input-type=module', '--eval', script], { encoding: 'utf8' });
  return JSON.parse(output) as Outcome;
}

describe('releasing the memory a service grew into while loading', () => {
  it("gives back the young generation under the images' Node flags", () => {
    const flags = serviceImageNodeFlags();
    expect(flags).toContain('--expose-gc');
    const outcome = loadThenRelease(flags);
    expect(outcome.released).toBe(true);
    expect(outcome.youngMbBefore).toBeGreaterThanOrEqual(8);
    expect(outcome.youngMbAfter).toBeLessThan(2);
  });

  it('does nothing, and says so, where gc is not exposed (tests, tsx runs)', () => {
    const flags = serviceImageNodeFlags().filter((flag) => flag !== '--expose-gc');
    const outcome = loadThenRelease(flags);
    expect(outcome.released).toBe(false);
    expect(outcome.youngMbAfter).toBeGreaterThanOrEqual(8);
    expect(releaseStartupMemory(undefined)).toEqual({ released: false, durationMs: 0 });
  });
});
