import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, type ServiceName } from '../../shared/src/testing/spawn-service.js';

/** The service's bundle as images/service/build.sh builds it, described by esbuild's metafile instead of written. */
async function bundleGraph(service: ServiceName): Promise<{ entry: string; metafile: Metafile }> {
  const entry = `services/${service}/src/main.ts`;
  const { metafile } = await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: [join(REPO_ROOT, entry)],
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  return { entry, metafile };
}

/** The shortest chain of imports from `entry` to a file of `packageName`, or undefined when the bundle has none. */
function importChain({ entry, metafile }: { entry: string; metafile: Metafile }, packageName: string): string[] | undefined {
  const inPackage = (path: string) => path.startsWith(`node_modules/${packageName}/`);
  const cameFrom = new Map<string, string | undefined>([[entry, undefined]]);
  const queue = [entry];
  for (let path = queue.shift(); path !== undefined; path = queue.shift()) {
    if (inPackage(path)) {
      const chain: string[] = [];
      for (let step: string | undefined = path; step !== undefined; step = cameFrom.get(step)) chain.unshift(step);
      return chain;
    }
    for (const imported of metafile.inputs[path]?.imports ?? []) {
      if (imported.external || cameFrom.has(imported.path)) continue;
      cameFrom.set(imported.path, path);
      queue.push(imported.path);
    }
  }
  return undefined;
}

// The dashboard has no Redis: ioredis in its bundle costs about 6 MB of idle RSS in every dashboard pod. Redis code
// lives in shared/src/redis.ts alone, and nothing the dashboard imports may import that module.
describe('the dashboard bundle', () => {
  it('does not reach ioredis', async () => {
    expect(importChain(await bundleGraph('dashboard'), 'ioredis'), 'import chain from the entry to ioredis').toBeUndefined();
  });

  it('is checked the way that finds ioredis in the worker bundle', async () => {
    expect(importChain(await bundleGraph('worker'), 'ioredis')).toEqual(
      expect.arrayContaining(['services/worker/src/main.ts', 'services/shared/src/redis.ts']),
    );
  });
});
