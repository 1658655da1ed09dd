import { access, chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseManifests, renderKustomization, rewriteImages } from './kustomize.js';

let work: string;
let kubectlOnly: string; // a directory holding nothing but a link to this machine's kubectl, if it has one
let kubectlAvailable = false;

async function whichKubectl(): Promise<string | undefined> {
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, 'kubectl');
    if (await access(candidate, constants.X_OK).then(() => true, () => false)) return candidate;
  }
  return undefined;
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'kustomize-test-'));
  kubectlOnly = path.join(work, 'kubectl-only');
  await mkdir(kubectlOnly);
  const kubectl = await whichKubectl();
  if (kubectl) {
    await symlink(kubectl, path.join(kubectlOnly, 'kubectl'));
    kubectlAvailable = true;
  }

  const app = path.join(work, 'app');
  await mkdir(app);
  await writeFile(
    path.join(app, 'kustomization.yaml'),
    ['apiVersion: kustomize.config.k8s.io/v1beta1', 'kind: Kustomization', 'namespace: demo', 'resources:', '  - objects.yaml', ''].join('\n'),
  );
  await writeFile(
    path.join(app, 'objects.yaml'),
    [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata: {name: settings}',
      'data: {A: "1"}',
      '---',
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: {name: web}',
      'spec:',
      '  selector: {matchLabels: {app: web}}',
      '  template:',
      '    metadata: {labels: {app: web}}',
      '    spec:',
      '      containers: [{name: web, image: "example/web:1"}]',
      '',
    ].join('\n'),
  );
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('renderKustomization', () => {
  it('renders with kubectl kustomize when only kubectl is on the path', async (ctx) => {
    // This case exercises the kubectl fallback itself, so it needs a real kubectl (present on our machines and in CI);
    // without one, the render paths that do exist are covered by the kustomize cases and the 'neither' error case.
    if (!kubectlAvailable) ctx.skip();
    const objects = await renderKustomization(path.join(work, 'app'), { searchPath: kubectlOnly });
    expect(objects.map((o) => `${o.kind}/${o.metadata?.name}`)).toEqual(['ConfigMap/settings', 'Deployment/web']);
    expect(objects.every((o) => o.metadata?.namespace === 'demo')).toBe(true);
  });

  it('prefers a standalone kustomize, called as `kustomize build <dir>`', async () => {
    const bin = path.join(work, 'fake-kustomize');
    await mkdir(bin, { recursive: true });
    const argsFile = path.join(work, 'kustomize-args');
    const script = path.join(bin, 'kustomize');
    await writeFile(
      script,
      `#!/bin/sh\necho "$@" > '${argsFile}'\nprintf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: from-kustomize\\n---\\n'\n`,
    );
    await chmod(script, 0o755);
    const objects = await renderKustomization('/some/dir', { searchPath: [bin, kubectlOnly].join(path.delimiter) });
    expect(objects).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'from-kustomize' } }]);
    expect((await readFile(argsFile, 'utf8')).trim()).toBe('build /some/dir');
  });

  it('names both tools and where to get them when neither is on the path', async () => {
    const empty = path.join(work, 'empty');
    await mkdir(empty, { recursive: true });
    const failure = renderKustomization(path.join(work, 'app'), { searchPath: empty });
    await expect(failure).rejects.toThrow(/`kustomize` or `kubectl`/);
    await expect(failure).rejects.toThrow(/kubernetes\.io\/docs\/tasks\/tools/);
  });

  it('reports what kustomize said when the build fails', async (ctx) => {
    // This case exercises the kubectl fallback itself, so it needs a real kubectl (present on our machines and in CI);
    // without one, the render paths that do exist are covered by the kustomize cases and the 'neither' error case.
    if (!kubectlAvailable) ctx.skip();
    await expect(renderKustomization(path.join(work, 'no-such-dir'), { searchPath: kubectlOnly })).rejects.toThrow(
      /kubectl could not render .*no-such-dir/,
    );
  });
});

describe('parseManifests', () => {
  it('skips empty documents and keeps order', () => {
    const objects = parseManifests('---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n');
    expect(objects.map((o) => o.metadata?.name)).toEqual(['a', 'b']);
  });

  it('rejects a document that is not a Kubernetes object', () => {
    expect(() => parseManifests('just: a map\n')).toThrow(/not a Kubernetes object/);
    expect(() => parseManifests('- a\n- list\n')).toThrow(/not a Kubernetes object/);
  });

  it('rejects YAML that does not parse', () => {
    expect(() => parseManifests('kind: [unclosed\n')).toThrow(/does not parse/);
  });
});

describe('rewriteImages', () => {
  const podSpec = (image: string, init?: string) => ({
    ...(init ? { initContainers: [{ name: 'init', image: init }] } : {}),
    containers: [
      { name: 'main', image },
      { name: 'sidecar', image: 'untouched:1' },
    ],
  });
  const objects: KubernetesObject[] = [
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { template: { spec: podSpec('app:1', 'app:1') } } } as KubernetesObject,
    { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c' }, spec: { jobTemplate: { spec: { template: { spec: podSpec('app:1') } } } } } as KubernetesObject,
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: podSpec('redis:7.4-bookworm') } as KubernetesObject,
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80 }] } } as KubernetesObject,
  ];
  const images = (o: KubernetesObject): string[] => JSON.stringify(o).match(/"image":"[^"]*"/g) ?? [];

  it('replaces container and init-container images that match exactly', () => {
    const out = rewriteImages(objects, { 'app:1': 'local/app:abc', 'redis:7.4-bookworm': 'local/redis:def' });
    expect(images(out[0]!)).toEqual(['"image":"local/app:abc"', '"image":"local/app:abc"', '"image":"untouched:1"']);
    expect(images(out[1]!)).toEqual(['"image":"local/app:abc"', '"image":"untouched:1"']);
    expect(images(out[2]!)).toEqual(['"image":"local/redis:def"', '"image":"untouched:1"']);
    expect(out[3]).toEqual(objects[3]);
  });

  it('does not match on a prefix, a registry-qualified name or an inherited key', () => {
    const out = rewriteImages(objects, { app: 'x', 'docker.io/library/redis:7.4-bookworm': 'x', toString: 'x' });
    expect(out).toEqual(objects);
  });

  it('leaves its input unchanged', () => {
    const before = structuredClone(objects);
    const out = rewriteImages(objects, { 'app:1': 'local/app:abc' });
    expect(objects).toEqual(before);
    expect(out[0]).not.toBe(objects[0]);
  });
});
