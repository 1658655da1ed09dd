import { Counter, Gauge } from 'prom-client';
import { TASK_STATUSES, TASK_TYPES, type TaskType } from '../../../contracts/task-types.js';
import { createAppMetrics, type AppMetrics } from '../../shared/src/metrics.js';
import { isRedisConnected, type Redis } from '../../shared/src/redis.js';
import type { TaskLedger } from './task-ledger.js';
import type { TaskOutcome } from './task-outcome.js';

export interface WorkerMetrics {
  app: AppMetrics;
  taskStarted(type: TaskType): void;
  taskFinished(outcome: TaskOutcome): void;
  tickSkipped(type: TaskType): void;
}

export function createWorkerMetrics(redis: Redis, ledger: TaskLedger): WorkerMetrics {
  const app = createAppMetrics('worker');
  const registers = [app.registry];
  const processed = new Counter({
    name: 'worker_tasks_processed_total',
    help: 'Task runs this replica executed, by task type and status',
    labelNames: ['task_type', 'status'] as const,
    registers,
  });
  const inProgress = new Gauge({
    name: 'worker_tasks_in_progress',
    help: 'Task runs executing now, by task type',
    labelNames: ['task_type'] as const,
    registers,
  });
  const skipped = new Counter({
    name: 'worker_tasks_skipped_total',
    help: 'Ticks this replica did not run because another replica held the tick lock, by task type',
    labelNames: ['task_type'] as const,
    registers,
  });
  const lastTask = new Gauge({
    name: 'worker_last_task_timestamp',
    help: 'Unix time (seconds) when this replica last finished a task',
    registers,
  });
  new Gauge({
    name: 'worker_redis_connection_status',
    help: '1 when the Redis client is connected and ready, else 0',
    registers,
    collect() {
      this.set(isRedisConnected(redis) ? 1 : 0);
    },
  });
  new Gauge({
    name: 'worker_ledger_pending_outcomes',
    help: 'Task outcomes waiting in memory to be recorded in Redis',
    registers,
    collect() {
      this.set(ledger.size);
    },
  });
  new Gauge({
    name: 'worker_ledger_dropped_outcomes',
    help: 'Task outcomes dropped because the in-memory ledger was full',
    registers,
    collect() {
      this.set(ledger.dropped);
    },
  });

  // Every series exists from the start (at 0), so rate() and absent() behave from the first scrape.
  for (const type of TASK_TYPES) {
    inProgress.set({ task_type: type }, 0);
    skipped.inc({ task_type: type }, 0);
    for (const status of TASK_STATUSES) processed.inc({ task_type: type, status }, 0);
  }

  return {
    app,
    taskStarted: (type) => inProgress.inc({ task_type: type }),
    taskFinished: (outcome) => {
      inProgress.dec({ task_type: outcome.type });
      processed.inc({ task_type: outcome.type, status: outcome.status });
      lastTask.set(outcome.finishedAtMs / 1000);
    },
    tickSkipped: (type) => skipped.inc({ task_type: type }),
  };
}
