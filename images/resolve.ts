import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { hasImageTarball, imageTarball, cacheDir } from './cache.js';
import { imageSpec, repoRoot, type ImageSpec } from './catalog.js';
import { imageExists, loadImages, pullImage, run, saveImages } from './docker-cli.js';
import { withLock } from './lock.js';
import { localTag, recipeKey } from './recipe-key.js';

/**
 * How an image is obtained, from KMS_IMAGE_SOURCE:
 *   auto      (default) an image present locally is used; otherwise the upstream image is pulled; otherwise the
 *             local recipe builds it (and its tarball is cached, so the next run loads it in seconds)
 *   upstream  only the upstream image (present or pulled); fails if it cannot be had
 *   local     only the local recipe (from the docker cache, the tarball cache, or a build); never pulls
 * KMS_IMAGE_<NAME> pins one image to a given reference, whatever the source.
 */
export type ImageSource = 'auto' | 'upstream' | 'local';

export function imageSource(): ImageSource {
  const value = process.env.KMS_IMAGE_SOURCE ?? 'auto';
  if (value === 'auto' || value === 'upstream' || value === 'local') return value;
  throw new Error(`KMS_IMAGE_SOURCE must be auto, upstream or local, not '${value}'`);
}

export interface ResolvedImage {
  name: string;
  ref: string;
  origin: 'upstream-present' | 'upstream-pulled' | 'local-present' | 'local-cache' | 'local-built';
  seconds: number;
}

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

async function resolveLocal(spec: ImageSpec, started: number, needed: Record<string, string>): Promise<ResolvedImage> {
  const tag = localTag(spec, recipeKey(spec, needed));
  return withLock(tag, async () => {
    const done = (origin: ResolvedImage['origin']): ResolvedImage => ({
      name: spec.name,
      ref: tag,
      origin,
      seconds: (Date.now() - started) / 1000,
    });
    if (await imageExists(tag)) return done('local-present');
    if (hasImageTarball(tag)) {
      log(`${spec.name}: loading ${tag} from the cache`);
      await loadImages(imageTarball(tag));
      if (await imageExists(tag)) return done('local-cache');
    }
    log(`${spec.name}: building ${tag} from images/${spec.recipe} (no usable image found)`);
    await buildLocally(spec, tag, needed);
    if (spec.cacheTarball) {
      await saveImages([tag], imageTarball(tag));
      pruneSupersededTarballs(tag);
    }
    const result = done('local-built');
    recordBuild(spec.name, tag, result.seconds);
    return result;
  });
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

const inFlight = new Map<string, Promise<ResolvedImage>>();

/** Resolves an image of the catalog to a reference present in the local Docker engine. */
export function resolveImage(name: string): Promise<ResolvedImage> {
  const key = `${name}@${imageSource()}`;
  let pending = inFlight.get(key);
  if (!pending) {
    pending = resolveUncached(name);
    inFlight.set(key, pending);
    pending.catch(() => inFlight.delete(key));
  }
  return pending;
}

/** KMS_IMAGE_<NAME> (e.g. KMS_IMAGE_NODE=rancher/k3s:v1.33.5-k3s1) pins one image to a reference of your choice. */
export function imageOverrideVariable(name: string): string {
  return `KMS_IMAGE_${name.toUpperCase().replace(/-/g, '_')}`;
}

async function resolveUncached(name: string): Promise<ResolvedImage> {
  const spec = imageSpec(name);
  const source = imageSource();
  const started = Date.now();
  const override = process.env[imageOverrideVariable(name)];
  if (override) {
    if (await imageExists(override)) return { name, ref: override, origin: 'upstream-present', seconds: 0 };
    const pulled = await pullImage(override);
    if (!pulled.ok) throw new Error(`${imageOverrideVariable(name)}=${override} is neither present nor pullable: ${pulled.reason}`);
    return { name, ref: override, origin: 'upstream-pulled', seconds: (Date.now() - started) / 1000 };
  }
  const upstream = source !== 'local' ? spec.upstream : undefined;

  if (upstream) {
    if (await imageExists(upstream)) return { name, ref: upstream, origin: 'upstream-present', seconds: 0 };
    if (source === 'auto' && (await localImagePresent(spec))) return resolveLocalWithNeeds(spec, started);
    log(`${name}: pulling ${upstream}`);
    const pulled = await pullImage(upstream);
    if (pulled.ok) return { name, ref: upstream, origin: 'upstream-pulled', seconds: (Date.now() - started) / 1000 };
    if (source === 'upstream') throw new Error(`cannot pull ${upstream} (KMS_IMAGE_SOURCE=upstream): ${pulled.reason}`);
    log(`${name}: cannot pull ${upstream} (${pulled.reason}); using the local recipe`);
  } else if (source === 'upstream' && !spec.upstream && Object.keys(spec.needs).length === 0) {
    throw new Error(`image '${name}' has no upstream reference; use KMS_IMAGE_SOURCE=auto or local`);
  }
  return resolveLocalWithNeeds(spec, started);
}

async function neededTags(spec: ImageSpec): Promise<Record<string, string>> {
  const entries = await Promise.all(
    Object.entries(spec.needs).map(async ([env, image]) => [env, (await resolveImage(image)).ref] as const),
  );
  return Object.fromEntries(entries);
}

async function resolveLocalWithNeeds(spec: ImageSpec, started: number): Promise<ResolvedImage> {
  return resolveLocal(spec, started, await neededTags(spec));
}

async function localImagePresent(spec: ImageSpec): Promise<boolean> {
  if (Object.keys(spec.needs).length > 0) return false;
  const tag = localTag(spec, recipeKey(spec, {}));
  return (await imageExists(tag)) || hasImageTarball(tag);
}

/** Resolves several images, logging one line per image with where it came from and how long it took. */
export async function resolveImages(names: readonly string[]): Promise<Record<string, string>> {
  const resolved: Record<string, string> = {};
  for (const name of names) {
    const image = await resolveImage(name);
    log(`${name}: ${image.ref} (${image.origin}, ${image.seconds.toFixed(1)} s)`);
    resolved[name] = image.ref;
  }
  return resolved;
}
