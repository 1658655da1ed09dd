import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RYUK_IMAGE } from './suite-config.js';
import { chooseReaper } from './testcontainers-env.js';

const deps = (options: { present?: boolean; pull?: 'ok' | 'unreachable' | 'rate-limited'; env?: NodeJS.ProcessEnv }) => {
  const pulled: string[] = [];
  return {
    pulled,
    deps: {
      env: options.env ?? {},
      docker: { imageExists: async () => options.present ?? false },
      registry: {
        pull: async (ref: string) => {
          pulled.push(ref);
          if (options.pull === 'rate-limited') throw new Error("Docker Hub's pull rate limit was hit");
          return options.pull === 'ok' ? ({ ok: true, attempts: 1 } as const) : ({ ok: false, failure: 'unreachable', reason: 'no such host', attempts: 1 } as const);
        },
      },
    },
  };
};

describe('chooseReaper: testcontainers reaper (Ryuk) where its image can be had', () => {
  it('looks for the image the installed testcontainers starts', () => {
    const reaper = readFileSync(createRequire(import.meta.url).resolve('testcontainers/build/reaper/reaper.js'), 'utf8');
    expect(reaper).toContain(`"${DEFAULT_RYUK_IMAGE}"`);
  });

  it('turns it on when the image is present, without pulling', async () => {
    const { deps: d, pulled } = deps({ present: true });
    await chooseReaper(d);
    expect(d.env.TESTCONTAINERS_RYUK_DISABLED).toBe('false');
    expect(pulled).toEqual([]);
  });

  it('turns it on when the image can be pulled (Docker Hub answers)', async () => {
    const { deps: d, pulled } = deps({ pull: 'ok' });
    await chooseReaper(d);
    expect(d.env.TESTCONTAINERS_RYUK_DISABLED).toBe('false');
    expect(pulled).toEqual([DEFAULT_RYUK_IMAGE]);
  });

  it('leaves it off offline, and on a pull limit', async () => {
    for (const pull of ['unreachable', 'rate-limited'] as const) {
      const { deps: d } = deps({ pull });
      await chooseReaper(d);
      expect(d.env.TESTCONTAINERS_RYUK_DISABLED, pull).toBe('true');
    }
  });

  it('never pulls with KMS_IMAGE_SOURCE=local, and keeps the choice of a user who set TESTCONTAINERS_RYUK_DISABLED', async () => {
    const local = deps({ pull: 'ok', env: { KMS_IMAGE_SOURCE: 'local' } });
    await chooseReaper(local.deps);
    expect([local.deps.env.TESTCONTAINERS_RYUK_DISABLED, local.pulled]).toEqual(['true', []]);
    const chosen = deps({ present: true, env: { TESTCONTAINERS_RYUK_DISABLED: 'true' } });
    await chooseReaper(chosen.deps);
    expect(chosen.deps.env.TESTCONTAINERS_RYUK_DISABLED).toBe('true');
  });
});
