import { run } from '../images/docker-cli.js';
import { NETWORK_PREFIX, networkOwnerPid } from './cluster/cluster-network.js';
import { OWNER_LABEL, SUITE_LABEL, ownerId } from './cluster/suite-labels.js';

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Removes containers the suite started, then the networks their nodes shared. `all`: every one of them (`npm run
 * down`). Otherwise only those whose owning process on this machine is gone: what an interrupted run (Ctrl-C twice,
 * a killed CI job) left behind.
 */
export async function removeSuiteContainers(scope: 'all' | 'orphaned'): Promise<string[]> {
  const listed = await run('docker', ['ps', '-a', '--filter', `label=${SUITE_LABEL}=true`, '--format', `{{.ID}} {{.Label "${OWNER_LABEL}"}}`]);
  if (listed.code !== 0) throw new Error(`docker ps failed: ${listed.stderr.trim()}`);
  const doomed = listed.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(' ') as [string, string | undefined])
    .filter(([, owner]) => {
      if (scope === 'all') return true;
      const parts = (owner ?? '').split(':');
      if (parts.length !== 3) return false; // an owner this version cannot judge: leave it to `npm run down`
      const pid = Number(parts[2]);
      return owner === ownerId(pid) && !processAlive(pid);
    })
    .map(([id]) => id);
  if (doomed.length > 0) {
    const removed = await run('docker', ['rm', '-f', '-v', ...doomed]);
    if (removed.code !== 0) throw new Error(`docker rm failed: ${removed.stderr.trim()}`);
  }
  await removeSuiteNetworks(scope);
  return doomed;
}

/** Removes the suite's networks (see cluster-network.ts): all of them, or those whose owning process is gone. */
async function removeSuiteNetworks(scope: 'all' | 'orphaned'): Promise<string[]> {
  const listed = await run('docker', ['network', 'ls', '--filter', `name=${NETWORK_PREFIX}`, '--format', '{{.Name}}']);
  if (listed.code !== 0) throw new Error(`docker network ls failed: ${listed.stderr.trim()}`);
  const doomed = listed.stdout
    .split('\n')
    .filter((name) => name.startsWith(NETWORK_PREFIX))
    .filter((name) => {
      if (scope === 'all') return true;
      const pid = networkOwnerPid(name);
      return pid !== undefined && !processAlive(pid);
    });
  for (const name of doomed) {
    const removed = await run('docker', ['network', 'rm', name]);
    if (removed.code !== 0) console.warn(`[cleanup] could not remove network ${name}: ${removed.stderr.trim()}`);
  }
  return doomed;
}
