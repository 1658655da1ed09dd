import { readlinkSync } from 'node:fs';
import { hostname } from 'node:os';

/** Labels on every container the suite starts: how `npm run down`, the cleanup watchdog and leftover cleanup find them. */
export const SUITE_LABEL = 'io.kube-microservices-suite';
export const OWNER_LABEL = 'io.kube-microservices-suite.owner';

/**
 * Who started a container: host, PID namespace and PID. A process can only judge liveness of owners in its own PID
 * namespace (sandboxes and CI jobs sharing one Docker engine see different ones), so cleanup compares all three.
 */
export function ownerId(pid = process.pid): string {
  let namespace = 'unknown';
  try {
    namespace = readlinkSync('/proc/self/ns/pid').replace(/\D/g, '');
  } catch {
    // not Linux: host + PID only
  }
  return `${hostname()}:${namespace}:${pid}`;
}

export function suiteLabels(): Record<string, string> {
  return { [SUITE_LABEL]: 'true', [OWNER_LABEL]: ownerId() };
}
