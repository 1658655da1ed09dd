import type { LastTask, StatusResponse, TaskCounts } from '../../../contracts/api-gateway.js';
import type { NotReady } from '../../../contracts/common.js';
import { TASK_TYPES, isTaskStatus, isTaskType } from '../../../contracts/task-types.js';

// Hand-written checks of the upstream answers the dashboard reads. The full schemas live in contracts/ (zod's full
// build, about 13 MB more RSS for this otherwise idle service); the contract tests hold the gateway to them, and
// these guards only make sure the dashboard never renders a malformed answer as if it were fine.

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const isNullableNumber = (value: unknown) => value === null || (typeof value === 'number' && Number.isFinite(value));
const isNullableString = (value: unknown) => value === null || typeof value === 'string';
const isCounts = (value: unknown): value is TaskCounts => isObject(value) && isCount(value.success) && isCount(value.failed);

function isLastTask(value: unknown): value is LastTask {
  return (
    isObject(value) &&
    isTaskType(value.type) &&
    isTaskStatus(value.status) &&
    typeof value.finishedAt === 'string' &&
    typeof value.ageSeconds === 'number'
  );
}

function isWorkerTasks(value: unknown): boolean {
  if (value === null) return true;
  if (!isObject(value) || !isObject(value.byType) || !isCounts(value.totals)) return false;
  const byType = value.byType;
  return TASK_TYPES.every((type) => isCounts(byType[type])) && (value.lastTask === null || isLastTask(value.lastTask));
}

/** The gateway's /api/status answer, if it has the shape the dashboard reads; else null. */
export function asStatusResponse(body: unknown): StatusResponse | null {
  if (!isObject(body) || !isObject(body.gateway) || !isObject(body.redis)) return null;
  const { gateway, redis } = body;
  const valid =
    (body.status === 'ok' || body.status === 'degraded') &&
    typeof gateway.version === 'string' &&
    typeof gateway.pod === 'string' &&
    typeof redis.connected === 'boolean' &&
    isNullableNumber(redis.latencyMs) &&
    isNullableString(redis.error) &&
    isWorkerTasks(body.worker);
  return valid ? (body as unknown as StatusResponse) : null;
}

/** The reasons of a readiness 503 answer, if it has them. */
export function notReadyReasons(body: unknown): NotReady['reasons'] | null {
  if (!isObject(body) || body.status !== 'not_ready' || !Array.isArray(body.reasons)) return null;
  const reasons = body.reasons.filter((reason): reason is string => typeof reason === 'string');
  return reasons.length > 0 ? reasons : null;
}
