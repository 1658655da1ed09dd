import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cacheDir, hasImageTarball, imageTarball } from './cache.js';
import { repoRoot, type ImageSpec } from './catalog.js';
import { imageExists, loadImages, run, saveImages } from './docker-cli.js';
import { withLock } from './lock.js';
import { localTag, recipeKey } from './recipe-key.js';

export type LocalOrigin = 'local-present' | 'local-cache' | 'local-built';

const log = (message: string) => console.log(`[images] ${message}`);

/** Build durations, kept in the cache folder for `npm run bench` (the cold build figures). */
export function buildRecordsFile(): string {
  return join(cacheDir(), 'build-times.json');
}

function recordBuild(name: string, tag: string, seconds: number): void {
  const file = buildRecordsFile();
  const records = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  records[name] = { tag, seconds, builtAt: new Date().toISOString() };
  writeFileSync(file, `${JSON.stringify(records, null, 2)}\n`);
}

async function buildLocally(spec: ImageSpec, tag: string, needed: Record<string, string>): Promise<void> {
  const workDir = join(cacheDir('work'), spec.name);
  const logDir = join(cacheDir('logs'), spec.name);
  mkdirSync(workDir, { recursive: true });
  const result = await run('bash', [join(repoRoot, 'images', spec.recipe, 'build.sh')], {
    inherit: true,
    cwd: repoRoot,
    env: {
      ...process.env,
      ...spec.buildEnv,
      ...needed,
      IMAGE_NAME: spec.name,
      IMAGE_TAG: tag,
      WORK_DIR: workDir,
      CACHE_DIR: cacheDir('build', spec.recipe),
      LOG_DIR: logDir,
    },
  });
  if (result.code !== 0) {
    throw new Error(`building image '${spec.name}' failed (exit ${result.code}); the failed step and its log tail are printed above, full logs in ${logDir}`);
  }
}

/**
 * Removes the cached tarballs of older builds of the same image (other recipe keys). Docker tags are left alone: a
 * concurrent run may still be using one; `npm run images -- clean` removes them all.
 */
function pruneSupersededTarballs(current: string): void {
  const prefix = imageTarball(`${current.slice(0, current.lastIndexOf(':'))}:`);
  const dir = dirname(prefix);
  for (const file of readdirSync(dir)) {
    const path = join(dir, file);
    if (path.startsWith(prefix) && path !== imageTarball(current)) rmSync(path, { force: true });
  }
}

/**
 * The image of a local recipe, from the Docker engine, else the tarball cache, else a build (cached as a tarball when
 * the recipe is slow). `needed` holds the resolved references of the images the recipe builds on.
 */
export async function resolveLocalRecipe(spec: ImageSpec, needed: Record<string, string>): Promise<{ ref: string; origin: LocalOrigin }> {
  const tag = localTag(spec, recipeKey(spec, needed));
  return withLock(tag, async () => {
    if (await imageExists(tag)) return { ref: tag, origin: 'local-present' };
    if (hasImageTarball(tag)) {
      log(`${spec.name}: loading ${tag} from the cache`);
      await loadImages(imageTarball(tag));
      if (await imageExists(tag)) return { ref: tag, origin: 'local-cache' };
    }
    log(`${spec.name}: building ${tag} from images/${spec.recipe} (no usable image found)`);
    const started = Date.now();
    await buildLocally(spec, tag, needed);
    if (spec.cacheTarball) {
      await saveImages([tag], imageTarball(tag));
      pruneSupersededTarballs(tag);
    }
    recordBuild(spec.name, tag, (Date.now() - started) / 1000);
    return { ref: tag, origin: 'local-built' };
  });
}
