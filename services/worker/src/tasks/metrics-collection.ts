import { redisKeys } from '../../../shared/src/redis-keys.js';
import type { Task } from './task.js';

/** The INFO fields kept in the snapshot. */
export const SNAPSHOT_FIELDS = [
  'redis_version',
  'uptime_in_seconds',
  'connected_clients',
  'used_memory',
  'used_memory_peak',
  'total_commands_processed',
  'instantaneous_ops_per_sec',
  'keyspace_hits',
  'keyspace_misses',
  'expired_keys',
] as const;

/** Parses INFO's `field:value` lines. */
export function parseInfo(info: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of info.split(/\r?\n/)) {
    if (line === '' || line.startsWith('#')) continue;
    const separator = line.indexOf(':');
    if (separator > 0) fields[line.slice(0, separator)] = line.slice(separator + 1);
  }
  return fields;
}

/** Reads INFO and DBSIZE and stores a snapshot of the interesting fields. */
export const metricsCollection: Task = async ({ redis, now }) => {
  const [info, keys] = await Promise.all([redis.info(), redis.dbsize()]);
  const parsed = parseInfo(info);
  const snapshot: Record<string, string | number> = { takenAt: now(), dbsize: keys };
  for (const field of SNAPSHOT_FIELDS) {
    const value = parsed[field];
    if (value !== undefined) snapshot[field] = value;
  }
  if (!('used_memory' in snapshot)) throw new Error('INFO reply had no used_memory field');
  await redis.hset(redisKeys.redisSnapshot, snapshot);
  return { fields: Object.keys(snapshot).length, usedMemory: snapshot.used_memory };
};
