import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubernetesObject } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { deployedKustomizations, renderDeployed } from './deployed-kustomizations.js';
import { ensureKubeScore, kubeScore, KUBE_SCORE, type Finding } from './kube-score.js';

// The bound: kube-score reports no CRITICAL on what the suite deploys, except the checks the README lists as
// deliberate (between the markers below, one line of why each), and those another change will satisfy (PENDING).
const README = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'README.md');
const BEGIN = '<!-- kube-score exceptions: begin -->';
const END = '<!-- kube-score exceptions: end -->';

/** Reported until the change named lands; not deliberate, so not in the README. Remove an entry once it is. */
const PENDING: Record<string, string> = {
  'pod-networkpolicy': "issue 14's NetworkPolicies (branch i14-netpol)",
};

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
  let rendered: Map<string, KubernetesObject[]>;
  const findings = new Map<string, Finding[]>();

  beforeAll(async () => {
    [binary, rendered] = await Promise.all([ensureKubeScore(), renderDeployed()]);
    for (const [dir, objects] of rendered) findings.set(dir, await kubeScore(binary, objects));
  }, 300_000);

  it('lists each deliberate exception in the README with one line of why, and none twice', () => {
    expect(deliberate.size).toBeGreaterThan(0);
    for (const [check, why] of deliberate) expect(why.length, check).toBeGreaterThan(20);
    for (const check of Object.keys(PENDING)) expect(deliberate.has(check), `${check} is pending, not deliberate`).toBe(false);
  });

  it.each(deployedKustomizations())('%s: no CRITICAL beyond the exceptions', (dir) => {
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
