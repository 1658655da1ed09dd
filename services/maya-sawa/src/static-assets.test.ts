import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collectStatic, inspectStatic } from './static-assets.js';

describe('collectstatic', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'maya-static-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('builds hashed assets and an index that points at them, recorded in a manifest', async () => {
    const manifest = await collectStatic(dir, '1.2.3', new Date('2026-01-01T00:00:00Z'));
    expect(manifest.version).toBe('1.2.3');
    expect(manifest.files.map((file) => file.path)).toEqual([expect.stringMatching(/^app\.[0-9a-f]{10}\.css$/), expect.stringMatching(/^app\.[0-9a-f]{10}\.js$/), 'index.html']);
    const check = await inspectStatic(dir);
    expect(check.ok).toBe(true);
    if (check.ok) expect(check.manifest.builtAt).toBe('2026-01-01T00:00:00.000Z');
  });

  it('reports missing or tampered assets', async () => {
    expect(await inspectStatic(dir)).toEqual({ ok: false, error: expect.stringMatching(/^static assets missing/) });
    const manifest = await collectStatic(dir, '1');
    await writeFile(join(dir, manifest.files[0]!.path), 'changed');
    expect(await inspectStatic(dir)).toEqual({ ok: false, error: expect.stringMatching(/does not match the manifest$/) });
  });
});
