import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../images/catalog.js';
import { cacheDir } from '../images/cache.js';
import { hostDocker, type DockerImages } from '../images/docker-cli.js';
import { hostRegistry, type RegistryPuller } from '../images/registry-pull.js';
import { suiteConfig } from './suite-config.js';

/**
 * Settles, before any container starts, what testcontainers' defaults get wrong on machines like ours, and makes sure
 * that what this run starts is removed however the run ends:
 * - Ryuk (the reaper) is an image that cannot be pulled without a registry: unless chooseReaper() found it (or the
 *   user set TESTCONTAINERS_RYUK_DISABLED), it is disabled; the suite stops what it starts, a watchdog (below)
 *   removes what an interrupted run left, and `npm run down` removes leftovers.
 * - When a /.dockerenv file exists but the Docker engine runs on this very host (its bridge gateway is one of our
 *   own addresses), testcontainers would reach containers through the bridge gateway; published ports listen on
 *   the host, so 127.0.0.1 is the right address (and keeps test traffic on loopback). The bridge is looked up in
 *   /sys/class/net, not os.networkInterfaces(): that one omits interfaces that are down, and docker0 is down
 *   whenever no container is attached to it (the state of a fresh CI run before its first container).
 * - A cleanup watchdog outlives this process tree (harness/cleanup-watchdog.ts): Ctrl-C on `npm test` or a killed
 *   CI job ends vitest without its teardown, and a privileged Kubernetes node would keep running.
 */
export function configureTestcontainers(): void {
  const config = suiteConfig();
  // Written into process.env: that is where testcontainers, and this process's children, read them.
  if (config.ryukDisabled === undefined) process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
  if (!config.hostOverride && existsSync('/.dockerenv') && dockerBridgeIsLocal()) {
    process.env.TESTCONTAINERS_HOST_OVERRIDE = '127.0.0.1';
  }
  if (config.cleanupWatchdog === undefined) startCleanupWatchdog();
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

export interface ReaperDeps {
  docker: Pick<DockerImages, 'imageExists'>;
  registry: Pick<RegistryPuller, 'pull'>;
  /** Read through suiteConfig(); the choice is written back into it. */
  env: NodeJS.ProcessEnv;
}

/**
 * Lets testcontainers' reaper cover a hard kill too (it removes a session's containers once its process is gone, even
 * after a SIGKILL of the whole process tree), wherever its image can be had: present, or pulled (Docker Hub answers;
 * the user's login applies). Offline the pull fails at once and the reaper stays off; the watchdog covers. Called by
 * the processes that start the suite's first containers (global setups, ContainerCluster) before any container starts;
 * vitest's workers inherit the choice. A choice the user made (TESTCONTAINERS_RYUK_DISABLED) stands.
 */
export async function chooseReaper(deps: ReaperDeps = { docker: hostDocker, registry: hostRegistry, env: process.env }): Promise<void> {
  const config = suiteConfig(deps.env);
  if (config.ryukDisabled !== undefined) return;
  let available = await deps.docker.imageExists(config.ryukImage);
  if (!available && config.imageSource !== 'local') {
    available = await deps.registry.pull(config.ryukImage).then(
      (result) => result.ok,
      () => false, // a pull limit: the reaper is not worth stopping the run for
    );
  }
  deps.env.TESTCONTAINERS_RYUK_DISABLED = available ? 'false' : 'true';
}
