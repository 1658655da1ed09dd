/**
 * Runs every task type on every tick of a cron rule (every TASK_INTERVAL_SECONDS, aligned to the wall clock).
 *
 * Several worker replicas: each tick runs once across all of them. Every replica's node-schedule fires on the same
 * wall-clock tick (the interval divides a minute, and pods share NTP time), and before running a task type the
 * replica takes a Redis lock keyed by that task type and the *scheduled* tick time:
 *   SET hm:worker:lock:<task_type>:<tick_ms> <replica> NX PX <3 intervals>
 * Only the replica whose SET succeeds runs it; the others count a skip. The lock is never released: it expires,
 * so a replica whose clock lags cannot run the same tick after the winner finished. The tick time, not "now", is the
 * key, so replicas agree on it whatever their scheduling jitter. Chosen over leader election: no extra moving part,
 * no failover delay (a replica that dies simply stops winning locks), and work spreads across replicas.
 *
 * No run is silently lost: if the lock cannot be taken or the task fails (typically Redis is down), the run is a
 * failed outcome; an outcome that cannot be recorded in Redis waits in the in-memory TaskLedger and is replayed when
 * Redis is back (on 'ready', before every tick, and at shutdown). Recording is idempotent per (task type, tick),
 * so a replay, or the same tick reported failed by two replicas, counts once.
 */
import './luxon-locale.cjs';
import schedule from 'node-schedule';
import { TASK_TYPES, type TaskType } from '../../../contracts/task-types.js';
import type { Logger } from '../../shared/src/logger.js';
import { redisKeys } from '../../shared/src/redis-keys.js';
import { redisErrorMessage, type Redis } from '../../shared/src/redis.js';
import type { FlushReport, TaskLedger } from './task-ledger.js';
import { recordOutcome, type TaskOutcome } from './task-outcome.js';
import type { Task } from './tasks/index.js';
import type { WorkerMetrics } from './worker-metrics.js';

export interface SchedulerOptions {
  redis: Redis;
  logger: Logger;
  ledger: TaskLedger;
  metrics: WorkerMetrics;
  tasks: Readonly<Record<TaskType, Task>>;
  intervalSeconds: number;
  /** Written into the lock, for whoever inspects Redis. */
  replicaId: string;
  dataRetentionMs: number;
  now?: () => number;
}

export type TaskRunResult = 'success' | 'failed' | 'skipped';

export interface TickReport {
  tickMs: number;
  results: Record<TaskType, TaskRunResult>;
}

/** The scheduled tick a fire date belongs to, rounded to the interval so every replica computes the same value. */
export const tickOf = (fireDate: Date, intervalMs: number): number => Math.round(fireDate.getTime() / intervalMs) * intervalMs;

export class TaskScheduler {
  private job: schedule.Job | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly intervalMs: number;
  private readonly now: () => number;

  constructor(private readonly options: SchedulerOptions) {
    this.intervalMs = options.intervalSeconds * 1000;
    this.now = options.now ?? Date.now;
  }

  start(): void {
    if (this.job) return;
    this.job = schedule.scheduleJob(`*/${this.options.intervalSeconds} * * * * *`, (fireDate: Date) => {
      void this.runTick(tickOf(fireDate, this.intervalMs));
    });
    this.options.logger.info({ intervalSeconds: this.options.intervalSeconds, tasks: TASK_TYPES }, 'scheduler started');
  }

  /** Stops scheduling and waits for the runs in progress (their outcomes are recorded or kept in the ledger). */
  async stop(): Promise<void> {
    this.job?.cancel();
    this.job = undefined;
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Records the outcomes kept while Redis was unavailable. */
  flushLedger(): Promise<FlushReport> {
    return this.track(this.options.ledger.flush((outcome) => recordOutcome(this.options.redis, outcome)));
  }

  /** Runs every task type for one tick (also what the cron job calls). */
  runTick(tickMs: number): Promise<TickReport> {
    return this.track(this.tick(tickMs));
  }

  private async tick(tickMs: number): Promise<TickReport> {
    if (this.options.ledger.size > 0) await this.flushLedger();
    const runs = await Promise.all(TASK_TYPES.map(async (type) => [type, await this.runTask(type, tickMs)] as const));
    return { tickMs, results: Object.fromEntries(runs) as Record<TaskType, TaskRunResult> };
  }

  /** 'won': run it; 'lost': another replica runs it; else Redis did not answer, and nobody can tell. */
  private async takeTickLock(type: TaskType, tickMs: number): Promise<'won' | 'lost' | { error: string }> {
    try {
      const reply = await this.options.redis.set(redisKeys.tickLock(type, tickMs), this.options.replicaId, 'PX', this.intervalMs * 3, 'NX');
      return reply === 'OK' ? 'won' : 'lost';
    } catch (error) {
      return { error: redisErrorMessage(error) };
    }
  }

  private async runTask(type: TaskType, tickMs: number): Promise<TaskRunResult> {
    const { redis, logger, metrics } = this.options;
    const startedAt = performance.now();
    const lock = await this.takeTickLock(type, tickMs);
    if (lock === 'lost') {
      metrics.tickSkipped(type);
      logger.debug({ task: type, tickMs }, 'tick taken by another replica');
      return 'skipped';
    }

    metrics.taskStarted(type);
    // Without the lock (Redis down), this replica's attempt counts as a failed run: recorded once per tick, whichever
    // replica's report reaches Redis first.
    let error: string | null = lock === 'won' ? null : `could not take the tick lock: ${lock.error}`;
    let summary: Record<string, unknown> = {};
    if (lock === 'won') {
      try {
        summary = await this.options.tasks[type]({ redis, logger, tickMs, dataRetentionMs: this.options.dataRetentionMs, now: this.now });
      } catch (taskError) {
        error = redisErrorMessage(taskError);
      }
    }
    const outcome: TaskOutcome = {
      type,
      status: error === null ? 'success' : 'failed',
      tickMs,
      finishedAtMs: this.now(),
      durationMs: performance.now() - startedAt,
      error,
    };
    metrics.taskFinished(outcome);
    if (outcome.status === 'success') logger.info({ task: type, tickMs, durationMs: Math.round(outcome.durationMs), ...summary }, 'task succeeded');
    else logger.warn({ task: type, tickMs, err: error }, 'task failed');
    await this.record(outcome);
    return outcome.status;
  }

  private async record(outcome: TaskOutcome): Promise<void> {
    try {
      await recordOutcome(this.options.redis, outcome);
    } catch (error) {
      this.options.ledger.add(outcome);
      this.options.logger.warn(
        { task: outcome.type, tickMs: outcome.tickMs, status: outcome.status, err: redisErrorMessage(error), pending: this.options.ledger.size },
        'outcome kept in the ledger until redis is back',
      );
    }
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work)).catch(() => undefined);
    return work;
  }
}
