import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../images/catalog.js';
import { cacheDir } from '../images/cache.js';

/**
 * Settles, before any container starts, what testcontainers' defaults get wrong on machines like ours, and makes sure
 * that what this run starts is removed however the run ends:
 * - Ryuk (the reaper) is an image that cannot be pulled without a registry; the suite stops what it starts, a
 *   watchdog (below) removes what an interrupted run left, and `npm run down` removes leftovers, so it is disabled
 *   unless the user set TESTCONTAINERS_RYUK_DISABLED.
 * - When a /.dockerenv file exists but the Docker engine runs on this very host (its bridge gateway is one of our
 *   own addresses), testcontainers would reach containers through the bridge gateway; published ports listen on
 *   the host, so 127.0.0.1 is the right address (and keeps test traffic on loopback). The bridge is looked up in
 *   /sys/class/net, not os.networkInterfaces(): that one omits interfaces that are down, and docker0 is down
 *   whenever no container is attached to it (the state of a fresh CI run before its first container).
 * - A cleanup watchdog outlives this process tree (harness/cleanup-watchdog.ts): Ctrl-C on `npm test` or a killed
 *   CI job ends vitest without its teardown, and a privileged Kubernetes node would keep running.
 */
export function configureTestcontainers(): void {
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  if (!process.env.TESTCONTAINERS_HOST_OVERRIDE && existsSync('/.dockerenv') && dockerBridgeIsLocal()) {
    process.env.TESTCONTAINERS_HOST_OVERRIDE = '127.0.0.1';
  }
  startCleanupWatchdog();
}

function dockerBridgeIsLocal(): boolean {
  return existsSync('/sys/class/net/docker0');
}

/**
 * One watchdog per process tree: the first process that starts containers (vitest's main process, `npm run up`)
 * starts it; its children (vitest's workers) inherit KMS_CLEANUP_WATCHDOG and start none. Once that process is gone,
 * the watchdog removes every suite container whose owning process is gone (the workers' too).
 */
function startCleanupWatchdog(): void {
  if (process.env.KMS_CLEANUP_WATCHDOG) return;
  process.env.KMS_CLEANUP_WATCHDOG = String(process.pid);
  const logs = cacheDir('logs');
  mkdirSync(logs, { recursive: true });
  const log = openSync(join(logs, 'cleanup-watchdog.log'), 'a');
  const watchdog = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'harness', 'cleanup-watchdog.ts'), String(process.pid)], {
    cwd: repoRoot,
    detached: true, // a session of its own: the terminal's Ctrl-C does not reach it
    stdio: ['ignore', log, log],
  });
  watchdog.unref();
}
