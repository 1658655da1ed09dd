import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';

const execFileAsync = promisify(execFile);

export interface RenderOptions {
  /** Where to look for `kustomize` and `kubectl`, in PATH syntax. Defaults to the process's PATH. */
  searchPath?: string;
}

/** The command that renders a kustomization: a standalone `kustomize` if there is one, else kubectl's built-in. */
export interface KustomizeCommand {
  file: string;
  args: (dir: string) => string[];
}

async function findExecutable(name: string, searchPath: string): Promise<string | undefined> {
  for (const dir of searchPath.split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      if ((await stat(candidate)).isFile()) return candidate;
    } catch {
      // not here: keep looking
    }
  }
  return undefined;
}

export async function findKustomize(options: RenderOptions = {}): Promise<KustomizeCommand> {
  const searchPath = options.searchPath ?? process.env['PATH'] ?? '';
  const kustomize = await findExecutable('kustomize', searchPath);
  if (kustomize) return { file: kustomize, args: (dir) => ['build', dir] };
  const kubectl = await findExecutable('kubectl', searchPath);
  if (kubectl) return { file: kubectl, args: (dir) => ['kustomize', dir] };
  throw new Error(
    'Rendering manifests needs `kustomize` or `kubectl` on PATH, and neither was found. Install kubectl ' +
      '(it has kustomize built in: https://kubernetes.io/docs/tasks/tools/) or the standalone kustomize ' +
      '(https://kubectl.docs.kubernetes.io/installation/kustomize/).',
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses a multi-document YAML stream into Kubernetes objects; empty documents are skipped. */
export function parseManifests(text: string, source = 'manifest'): KubernetesObject[] {
  const objects: KubernetesObject[] = [];
  parseAllDocuments(text).forEach((doc, index) => {
    if (doc.errors.length > 0) {
      throw new Error(`${source}: YAML document ${index + 1} does not parse: ${doc.errors.map((e) => e.message).join('; ')}`);
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return;
    if (!isRecord(value) || typeof value['apiVersion'] !== 'string' || typeof value['kind'] !== 'string') {
      throw new Error(`${source}: YAML document ${index + 1} is not a Kubernetes object (no apiVersion and kind)`);
    }
    objects.push(value as KubernetesObject);
  });
  return objects;
}

/**
 * Renders a kustomization directory (`kustomize build`, or `kubectl kustomize` when there is no standalone
 * kustomize) and returns its objects in the order kustomize prints them.
 */
export async function renderKustomization(dir: string, options: RenderOptions = {}): Promise<KubernetesObject[]> {
  const command = await findKustomize(options);
  let stdout: string;
  try {
    ({ stdout } = await execFileAsync(command.file, command.args(dir), { maxBuffer: 64 * 1024 * 1024 }));
  } catch (error) {
    const stderr = isRecord(error) && typeof error['stderr'] === 'string' ? error['stderr'].trim() : '';
    const reason = stderr || (error instanceof Error ? error.message : String(error));
    throw new Error(`${path.basename(command.file)} could not render ${dir}: ${reason}`, { cause: error });
  }
  return parseManifests(stdout, dir);
}

/** The pod spec of an object that runs pods (a Pod, a workload's template, a CronJob's job template), if it has one. */
export function podSpecOf(object: Record<string, unknown>): Record<string, unknown> | undefined {
  const spec = object['spec'];
  if (!isRecord(spec)) return undefined;
  switch (object['kind']) {
    case 'Pod':
      return spec;
    case 'CronJob': {
      const jobTemplate = spec['jobTemplate'];
      const jobSpec = isRecord(jobTemplate) ? jobTemplate['spec'] : undefined;
      const template = isRecord(jobSpec) ? jobSpec['template'] : undefined;
      const podSpec = isRecord(template) ? template['spec'] : undefined;
      return isRecord(podSpec) ? podSpec : undefined;
    }
    default: {
      // Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, ReplicationController
      const template = spec['template'];
      const podSpec = isRecord(template) ? template['spec'] : undefined;
      return isRecord(podSpec) ? podSpec : undefined;
    }
  }
}

/**
 * Returns copies of the objects whose container and init-container images are replaced by `map` (exact reference
 * match: `redis:7.4-bookworm` does not match `docker.io/library/redis:7.4-bookworm`). The inputs are not changed.
 */
export function rewriteImages<T extends KubernetesObject>(objects: readonly T[], map: Readonly<Record<string, string>>): T[] {
  return objects.map((original) => {
    const object = structuredClone(original);
    const podSpec = podSpecOf(object as Record<string, unknown>);
    if (!podSpec) return object;
    for (const field of ['containers', 'initContainers']) {
      const containers = podSpec[field];
      if (!Array.isArray(containers)) continue;
      for (const container of containers) {
        if (!isRecord(container) || typeof container['image'] !== 'string') continue;
        const replacement = Object.hasOwn(map, container['image']) ? map[container['image']] : undefined;
        if (replacement !== undefined) container['image'] = replacement;
      }
    }
    return object;
  });
}
