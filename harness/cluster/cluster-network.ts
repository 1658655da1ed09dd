import { createHash, randomBytes } from 'node:crypto';
import { Network, type StartedNetwork } from 'testcontainers';
import { ownerId } from './suite-labels.js';

/** Every network the suite creates is named `kms-net-<owner digest>-<owner PID>-<random>`. */
export const NETWORK_PREFIX = 'kms-net-';

const digest = (owner: string): string => createHash('sha256').update(owner).digest('hex').slice(0, 8);

/** A network name that says which process owns it (testcontainers' networks take no labels of ours). */
export function networkName(pid = process.pid, random = randomBytes(3).toString('hex')): string {
  return `${NETWORK_PREFIX}${digest(ownerId(pid))}-${pid}-${random}`;
}

/**
 * The PID of the process on this machine (same host and PID namespace) that owns a suite network, or undefined when
 * the name is not one of ours or its owner lives elsewhere (then only `npm run down` removes it).
 */
export function networkOwnerPid(name: string): number | undefined {
  const match = new RegExp(`^${NETWORK_PREFIX}([0-9a-f]{8})-(\\d+)-[0-9a-f]+$`).exec(name);
  if (!match) return undefined;
  const pid = Number(match[2]);
  return digest(ownerId(pid)) === match[1] ? pid : undefined;
}

/** The Docker network the cluster's nodes share (the server is reached on it by its alias). */
export function startClusterNetwork(): Promise<StartedNetwork> {
  return new Network({ nextUuid: () => networkName() }).start();
}
