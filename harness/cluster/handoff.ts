import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClusterInfo } from './cluster-info.js';

/**
 * How the cluster the global setup starts in the background reaches the scenario files: a JSON file that holds
 * either the cluster's info or the error that stopped its start. The global setup returns at once (so unit and
 * contract tests run while the cluster boots); each scenario file waits for the file before it starts.
 */
type Handoff = { info: ClusterInfo } | { error: string };

export function newHandoffPath(): string {
  return join(tmpdir(), `kms-cluster-${process.pid}-${randomUUID()}.json`);
}

export function writeHandoff(path: string, handoff: Handoff): void {
  // Written aside, then renamed (atomic): a reader never sees half a file.
  writeFileSync(`${path}.partial`, JSON.stringify(handoff));
  renameSync(`${path}.partial`, path);
}

export function removeHandoff(path: string): void {
  rmSync(path, { force: true });
}

/** Waits for the cluster's info; rejects with the start's own error, or after `timeoutMs`. */
export async function awaitHandoff(path: string, timeoutMs: number, log: (message: string) => void = console.log): Promise<ClusterInfo> {
  const started = Date.now();
  let nextNotice = started + 30_000;
  while (!existsSync(path)) {
    if (Date.now() - started > timeoutMs) throw new Error(`the cluster was not ready after ${Math.round(timeoutMs / 1000)} s (no ${path})`);
    if (Date.now() > nextNotice) {
      log(`[cluster] waiting for the cluster the global setup is starting (${Math.round((Date.now() - started) / 1000)} s)`);
      nextNotice += 30_000;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const handoff = JSON.parse(readFileSync(path, 'utf8')) as Handoff;
  if ('error' in handoff) throw new Error(`the cluster could not be started: ${handoff.error}`);
  return handoff.info;
}
