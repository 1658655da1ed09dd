import type { TaskStatus, TaskType } from '../../../contracts/task-types.js';
import { redisKeys, taskCountField } from '../../shared/src/redis-keys.js';
import type { Redis } from '../../shared/src/redis.js';

/** What happened to one task type on one tick. */
export interface TaskOutcome {
  type: TaskType;
  status: TaskStatus;
  /** The scheduled tick (epoch ms), the same on every replica: identifies the run. */
  tickMs: number;
  finishedAtMs: number;
  durationMs: number;
  error: string | null;
}

/**
 * Long enough to outlive any replay of the same outcome (from a ledger flush or another replica), short enough
 * that the markers do not pile up: 4 task types every 10 s is about 8,600 small keys.
 */
export const OUTCOME_MARKER_TTL_SECONDS = 6 * 60 * 60;

// Atomic and idempotent: the marker key makes a replayed outcome (a flush retried after its EXEC reply was lost,
// or the same tick reported by two replicas) count once; last-task only moves forward in time.
const RECORD_OUTCOME_LUA = `
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[6]) then return 0 end
redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
local previous = tonumber(redis.call('HGET', KEYS[3], 'finishedAt') or '0') or 0
if tonumber(ARGV[4]) >= previous then
  redis.call('HSET', KEYS[3], 'type', ARGV[2], 'status', ARGV[3], 'finishedAt', ARGV[4], 'durationMs', ARGV[5])
end
return 1
`;

/** Counts the outcome in Redis. Resolves true if counted now, false if it had been counted already; rejects if Redis fails. */
export async function recordOutcome(redis: Redis, outcome: TaskOutcome): Promise<boolean> {
  const counted = await redis.eval(
    RECORD_OUTCOME_LUA,
    3,
    redisKeys.outcomeRecorded(outcome.type, outcome.tickMs),
    redisKeys.taskCounts,
    redisKeys.lastTask,
    taskCountField(outcome.type, outcome.status),
    outcome.type,
    outcome.status,
    String(outcome.finishedAtMs),
    String(Math.round(outcome.durationMs)),
    String(OUTCOME_MARKER_TTL_SECONDS),
  );
  return counted === 1;
}
