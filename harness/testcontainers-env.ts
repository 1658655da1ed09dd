import { existsSync } from 'node:fs';

/**
 * Settles two testcontainers defaults that break on machines like ours, before any container starts:
 * - Ryuk (the reaper) is an image that cannot be pulled without a registry; the suite stops what it starts and
 *   `npm run down` removes leftovers, so it is disabled unless the user set TESTCONTAINERS_RYUK_DISABLED.
 * - When a /.dockerenv file exists but the Docker engine runs on this very host (its bridge gateway is one of our
 *   own addresses), testcontainers would reach containers through the bridge gateway; published ports listen on
 *   the host, so 127.0.0.1 is the right address (and keeps test traffic on loopback). The bridge is looked up in
 *   /sys/class/net, not os.networkInterfaces(): that one omits interfaces that are down, and docker0 is down
 *   whenever no container is attached to it (the state of a fresh CI run before its first container).
 */
export function configureTestcontainers(): void {
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  if (!process.env.TESTCONTAINERS_HOST_OVERRIDE && existsSync('/.dockerenv') && dockerBridgeIsLocal()) {
    process.env.TESTCONTAINERS_HOST_OVERRIDE = '127.0.0.1';
  }
}

function dockerBridgeIsLocal(): boolean {
  return existsSync('/sys/class/net/docker0');
}
