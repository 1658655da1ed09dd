import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubernetesObject, V1Container, V1PodSpec } from '@kubernetes/client-node';
import { quantityToScalar } from '@kubernetes/client-node/dist/util.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderDeployed } from './deployed-kustomizations.js';
import { ensureKubeScore, kubeScore, KUBE_SCORE, type Finding } from './kube-score.js';
import { describeObject } from './validate.js';

// Bounds on everything the suite deploys, whichever system or overlay it belongs to (a container or an overlay added
// later is held to them without being listed here): what every container declares, and kube-score's verdict.
const rendered = await renderDeployed();

const bytes = (quantity: string | undefined): number => (quantity === undefined ? Number.NaN : Number(quantityToScalar(quantity)));

function podSpecs(objects: KubernetesObject[]): { what: string; spec: V1PodSpec }[] {
  return objects.flatMap((object) => {
    const spec = (object as { spec?: { template?: { spec?: V1PodSpec } } }).spec?.template?.spec;
    return spec ? [{ what: describeObject(object), spec }] : [];
  });
}

/** What the kubelet holds a pod to: its init containers run one at a time, then its containers side by side. */
function podLimit(spec: V1PodSpec): number {
  const limit = (container: V1Container) => bytes(container.resources?.limits?.['ephemeral-storage']);
  const main = spec.containers.reduce((sum, container) => sum + limit(container), 0);
  return Math.max(main, ...(spec.initContainers ?? []).map(limit));
}

describe.each([...rendered.keys()])('%s', (dir) => {
  const pods = podSpecs(rendered.get(dir)!);

  it('has pods to check', () => {
    expect(pods.length).toBeGreaterThan(0);
  });

  it('gives every container and init container ephemeral-storage requests and limits (request ≤ limit)', () => {
    for (const { what, spec } of pods) {
      for (const container of [...(spec.initContainers ?? []), ...spec.containers]) {
        const request = bytes(container.resources?.requests?.['ephemeral-storage']);
        const limit = bytes(container.resources?.limits?.['ephemeral-storage']);
        expect(request, `${what} ${container.name}: ephemeral-storage request`).toBeGreaterThan(0);
        expect(limit, `${what} ${container.name}: ephemeral-storage limit`).toBeGreaterThanOrEqual(request);
      }
    }
  });

  // A disk-backed emptyDir counts towards the pod's ephemeral storage: each is bounded, and together they fit within
  // what the pod's containers may use, so a full volume is refused at its sizeLimit before the pod is evicted.
  it('bounds every emptyDir with a sizeLimit, all of them within the pod\'s ephemeral-storage limit', () => {
    for (const { what, spec } of pods) {
      const emptyDirs = (spec.volumes ?? []).filter((volume) => volume.emptyDir);
      for (const volume of emptyDirs) expect(bytes(volume.emptyDir?.sizeLimit), `${what} volume ${volume.name}: sizeLimit`).toBeGreaterThan(0);
      const onDisk = emptyDirs.filter((volume) => volume.emptyDir?.medium !== 'Memory').reduce((sum, volume) => sum + bytes(volume.emptyDir?.sizeLimit), 0);
      expect(onDisk, `${what}: emptyDirs' sizeLimits within the pod's ephemeral-storage limit (${podLimit(spec)} bytes)`).toBeLessThan(podLimit(spec));
    }
  });
});

// The bound: kube-score reports no CRITICAL on what the suite deploys, except the checks the README lists as
// deliberate (between the markers below, one line of why each), and those another change will satisfy (PENDING).
const README = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'README.md');
const BEGIN = '<!-- kube-score exceptions: begin -->';
const END = '<!-- kube-score exceptions: end -->';

/** Reported until the change named lands; not deliberate, so not in the README. Remove an entry once it is. */
const PENDING: Record<string, string> = {};

/** `- \`check-id\`: why` lines between the README's markers. */
function readmeExceptions(readme: string): Map<string, string> {
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md has no list of kube-score exceptions between ${BEGIN} and ${END}`);
  const lines = readme.slice(start + BEGIN.length, end).split('\n').map((line) => line.trim()).filter(Boolean);
  return new Map(
    lines.map((line) => {
      const entry = /^- `([a-z0-9-]+)`: (\S.*)$/.exec(line);
      if (!entry) throw new Error(`README.md, kube-score exceptions: "${line}" is not "- \`check-id\`: why"`);
      return [entry[1]!, entry[2]!];
    }),
  );
}

const describeFinding = (finding: Finding): string => `${finding.object} ${finding.check}: ${finding.details.join('; ') || '(no details)'}`;

describe(`kube-score ${KUBE_SCORE.version} on every deployed kustomization`, () => {
  const deliberate = readmeExceptions(readFileSync(README, 'utf8'));
  const allowed = new Set([...deliberate.keys(), ...Object.keys(PENDING)]);
  let binary: string;
  const findings = new Map<string, Finding[]>();

  beforeAll(async () => {
    binary = await ensureKubeScore();
    for (const [dir, objects] of rendered) findings.set(dir, await kubeScore(binary, objects));
  }, 300_000);

  it('lists each deliberate exception in the README with one line of why, and none twice', () => {
    expect(deliberate.size).toBeGreaterThan(0);
    for (const [check, why] of deliberate) expect(why.length, check).toBeGreaterThan(20);
    for (const check of Object.keys(PENDING)) expect(deliberate.has(check), `${check} is pending, not deliberate`).toBe(false);
  });

  it.each([...rendered.keys()])('%s: no CRITICAL beyond the exceptions', (dir) => {
    const critical = (findings.get(dir) ?? []).filter((finding) => finding.grade === 'CRITICAL' && !allowed.has(finding.check));
    expect(critical.map(describeFinding)).toEqual([]);
  });

  it('needs every exception still: each is reported somewhere (none outlives its reason)', () => {
    const reported = new Set([...findings.values()].flat().filter((finding) => finding.grade === 'CRITICAL').map((finding) => finding.check));
    for (const check of deliberate.keys()) expect(reported.has(check), `${check} is no longer reported: remove it from the README`).toBe(true);
    for (const [check, until] of Object.entries(PENDING)) expect(reported.has(check), `${check} is no longer reported (${until} landed): remove it from PENDING`).toBe(true);
  });

  it('reports a CRITICAL where there is one: a container without ephemeral-storage requests and limits', async () => {
    const sample: KubernetesObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'sample', namespace: 'sample' },
      spec: {
        selector: { matchLabels: { app: 'sample' } },
        template: {
          metadata: { labels: { app: 'sample' } },
          spec: { containers: [{ name: 'sample', image: 'example/sample:1', resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '10m', memory: '16Mi' } } }] },
        },
      },
    } as KubernetesObject;
    const critical = (await kubeScore(binary, [sample])).filter((finding) => finding.grade === 'CRITICAL').map((finding) => finding.check);
    expect(critical).toContain('container-ephemeral-storage-request-and-limit');
  });
});
