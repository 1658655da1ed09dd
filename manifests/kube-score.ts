import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { cacheDir } from '../images/cache.js';
import { run } from '../images/docker-cli.js';
import { withLock } from '../images/lock.js';

/** kube-score (https://github.com/zegl/kube-score), built from the Go module proxy at this version. */
export const KUBE_SCORE = { module: 'github.com/zegl/kube-score/cmd/kube-score', version: 'v1.20.0' } as const;

/**
 * The kube-score binary, built once (`go install`) into the suite's cache (bin/kube-score-<version>), like the
 * images' build outputs. Fails with what to do on a machine without Go.
 */
export async function ensureKubeScore(): Promise<string> {
  const dir = cacheDir('bin', `kube-score-${KUBE_SCORE.version}`);
  const binary = path.join(dir, 'kube-score');
  if (existsSync(binary)) return binary;
  return withLock(`kube-score-${KUBE_SCORE.version}`, async () => {
    if (existsSync(binary)) return binary;
    const staging = mkdtempSync(path.join(dir, '.install-'));
    try {
      const env = { ...process.env, GOBIN: staging, GOFLAGS: '-mod=mod', GOWORK: 'off', CGO_ENABLED: '0' };
      const result = await run('go', ['install', `${KUBE_SCORE.module}@${KUBE_SCORE.version}`], { env }).catch((error: Error) => {
        throw new Error(
          `The kube-score bound needs kube-score ${KUBE_SCORE.version}, built with Go from the Go module proxy, and ${error.message}. ` +
            `Install Go (https://go.dev/dl/), or put a kube-score ${KUBE_SCORE.version} binary at ${binary}.`,
        );
      });
      if (result.code !== 0) throw new Error(`go install ${KUBE_SCORE.module}@${KUBE_SCORE.version} failed:\n${result.stderr.trim()}`);
      renameSync(path.join(staging, 'kube-score'), binary);
      return binary;
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  });
}

export type Grade = 'CRITICAL' | 'WARNING';

/** One check that did not pass on one object (and container, where kube-score names one). */
export interface Finding {
  /** kind/namespace/name */
  object: string;
  check: string;
  grade: Grade;
  /** What kube-score said, per container or as a whole. */
  details: string[];
}

interface ScoredObject {
  object_name: string;
  type_meta: { kind: string };
  object_meta: { name: string; namespace?: string };
  checks: { check: { id: string }; grade: number; skipped: boolean; comments: { path?: string; summary: string }[] | null }[];
}

/** kube-score's grades (scorecard.Grade): 1 critical, 5 warning, 7 almost OK, 10 OK. */
const GRADES: Record<number, Grade> = { 1: 'CRITICAL', 5: 'WARNING' };

/** Scores objects as one set (`kube-score score -`): what did not pass, skipped checks left out. */
export async function kubeScore(binary: string, objects: readonly KubernetesObject[]): Promise<Finding[]> {
  const dir = mkdtempSync(path.join(cacheDir('bin'), '.kube-score-input-'));
  try {
    const input = path.join(dir, 'objects.yaml');
    writeFileSync(input, objects.map((object) => stringify(object)).join('---\n'));
    // Exit code 1 means "something critical", which is what we read from the JSON.
    const result = await run(binary, ['score', '--output-format', 'json', input]);
    if (result.code > 1 || !result.stdout.trim().startsWith('[')) throw new Error(`kube-score failed (exit ${result.code}): ${result.stderr.trim()}`);
    const scored = JSON.parse(result.stdout) as ScoredObject[];
    return scored.flatMap((object) =>
      object.checks.flatMap((check) => {
        const grade = GRADES[check.grade];
        if (check.skipped || !grade) return [];
        const where = `${object.type_meta.kind}/${object.object_meta.namespace ?? ''}/${object.object_meta.name}`;
        const details = (check.comments ?? []).map((comment) => (comment.path ? `(${comment.path}) ${comment.summary}` : comment.summary));
        return [{ object: where, check: check.check.id, grade, details }];
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
