import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { suiteConfig } from '../harness/suite-config.js';

/**
 * Where built images (as `docker save` tarballs) and expensive build outputs live between runs:
 * $KMS_CACHE_DIR, else $XDG_CACHE_HOME/kube-microservices-suite, else ~/.cache/kube-microservices-suite.
 * Delete the folder (or run `npm run images -- clean`) to start cold.
 */
export function cacheRoot(): string {
  const root = suiteConfig().cacheDir;
  mkdirSync(root, { recursive: true });
  return root;
}

export function cacheDir(...parts: string[]): string {
  const dir = join(cacheRoot(), ...parts);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function imageTarball(tag: string): string {
  return join(cacheDir('images'), `${tag.replace(/[/:]/g, '_')}.tar`);
}

export function hasImageTarball(tag: string): boolean {
  return existsSync(imageTarball(tag));
}
