import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot, type ImageSpec } from './catalog.js';

const IGNORED = new Set(['node_modules', 'dist', '.git', 'openapi']);

function filesUnder(path: string): string[] {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return [];
  if (stat.isFile()) return [path];
  return readdirSync(path)
    .filter((entry) => !IGNORED.has(entry) && !entry.endsWith('.test.ts'))
    .sort()
    .flatMap((entry) => filesUnder(join(path, entry)));
}

/**
 * The content key of a recipe: every file of its folder, the shared recipe library, its declared inputs, its build
 * env and the keys of the images it builds on. Any change gives a new tag, so a stale image is never reused.
 */
export function recipeKey(spec: ImageSpec, neededTags: Record<string, string>): string {
  const hash = createHash('sha256');
  const paths = [join('images', spec.recipe), join('images', 'lib'), ...spec.inputs];
  for (const file of paths.flatMap((path) => filesUnder(join(repoRoot, path)))) {
    hash.update(relative(repoRoot, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  hash.update(JSON.stringify({ version: spec.version, env: spec.buildEnv, needs: neededTags }));
  return hash.digest('hex').slice(0, 12);
}

/** The local tag of a recipe's image: kube-microservices-suite/<name>:<version>-<key>. */
export function localTag(spec: ImageSpec, key: string): string {
  return `kube-microservices-suite/${spec.name}:${spec.version}-${key}`;
}
