import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubernetesObject } from '@kubernetes/client-node';
import { renderKustomization } from '../harness/kustomize.js';

const here = path.dirname(fileURLToPath(import.meta.url));

const kustomizationsIn = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && existsSync(path.join(dir, entry.name, 'kustomization.yaml')))
        .map((entry) => path.relative(here, path.join(dir, entry.name)))
    : [];

/**
 * What the suite deploys, relative to manifests/: every overlay of both systems and every ingress controller, found
 * on disk, so a new overlay is checked without being listed anywhere.
 */
export function deployedKustomizations(): string[] {
  return [...kustomizationsIn(path.join(here, 'overlays')), ...kustomizationsIn(path.join(here, 'maya-sawa', 'overlays')), ...kustomizationsIn(path.join(here, 'ingress-controller'))].sort();
}

/** Each deployed kustomization rendered (kustomize), by its path relative to manifests/. */
export async function renderDeployed(): Promise<Map<string, KubernetesObject[]>> {
  const dirs = deployedKustomizations();
  return new Map(await Promise.all(dirs.map(async (dir) => [dir, await renderKustomization(path.join(here, dir))] as const)));
}
