import { TASK_TYPES, type TaskType } from '../../../contracts/task-types.js';
import { redisKeys } from '../../shared/src/redis-keys.js';
import type { Task } from './tasks/index.js';

/** The most a run may be made to spin: keeps a mistyped value from stalling the worker. */
export const MAX_TEST_CPU_MS = 2_000;
/** CPU ms per slice of work; between slices the event loop runs (probes, metrics, Redis replies). */
const SLICE_MS = 10;

/** CPU time this process has used, in ms. */
function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/**
 * Uses about `ms` of CPU time, in slices of SLICE_MS between which the event loop runs. CPU time, not wall time: on
 * a busy node (or under the container's CPU limit) wall time passes without the CPU, and the load would fall short.
 * Each slice counts only its own use, so the runs of one tick, side by side, add up.
 */
export async function spin(ms: number): Promise<void> {
  let spent = 0;
  while (spent < ms) {
    const sliceStart = cpuMs();
    const quota = Math.min(SLICE_MS, ms - spent);
    while (cpuMs() - sliceStart < quota) {
      // busy on purpose
    }
    spent += cpuMs() - sliceStart;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** The stored value as milliseconds of CPU work: 0 when unset or not a number, at most MAX_TEST_CPU_MS. */
export const testCpuMs = (stored: string | null): number => Math.min(MAX_TEST_CPU_MS, Math.max(0, Number(stored) || 0));

/**
 * A test toggle, wired only when ENABLE_TEST_TOGGLES=true (the test overlay): before its real work, every task run
 * spins the CPU for the milliseconds stored in Redis under `hm:test:task-cpu-ms` (none when unset). The worker's own
 * load then rises, as heavier tasks would make it, and its HPA can be seen scaling it (scenarios/worker-scaling).
 * Read at each run, so one SET turns it on or off on every replica at once, without a rollout.
 */
export function withTestCpuLoad(tasks: Readonly<Record<TaskType, Task>>): Record<TaskType, Task> {
  const loaded = (task: Task): Task => async (context) => {
    const cpuMs = testCpuMs(await context.redis.get(redisKeys.testTaskCpuMs).catch(() => null));
    if (cpuMs > 0) await spin(cpuMs);
    const summary = await task(context);
    return cpuMs > 0 ? { ...summary, testCpuMs: cpuMs } : summary;
  };
  return Object.fromEntries(TASK_TYPES.map((type) => [type, loaded(tasks[type])])) as Record<TaskType, Task>;
}
