import type { Logger } from '../../shared/src/logger.js';
import { redisErrorMessage } from '../../shared/src/redis.js';
import type { TaskOutcome } from './task-outcome.js';

export interface FlushReport {
  flushed: number;
  remaining: number;
  error: string | null;
}

/**
 * Outcomes that could not be recorded in Redis (usually because Redis was down, which is also why the task
 * failed), kept in memory in order and replayed when Redis is back, so no run goes uncounted.
 * Bounded: when full, the oldest outcome is dropped, counted and logged; the bound (LEDGER_MAX_ENTRIES, 1000 by
 * default) covers about 40 minutes of outage at 4 tasks every 10 s.
 */
export class TaskLedger {
  private readonly pending: TaskOutcome[] = [];
  private flushing: Promise<FlushReport> | undefined;
  dropped = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly logger: Logger,
  ) {}

  get size(): number {
    return this.pending.length;
  }

  entries(): readonly TaskOutcome[] {
    return [...this.pending];
  }

  add(outcome: TaskOutcome): void {
    this.pending.push(outcome);
    while (this.pending.length > this.maxEntries) {
      const lost = this.pending.shift()!;
      this.dropped += 1;
      this.logger.error({ task: lost.type, tickMs: lost.tickMs, status: lost.status, maxEntries: this.maxEntries }, 'task ledger full: oldest unrecorded outcome dropped');
    }
  }

  /**
   * Records pending outcomes in order with `record`, stopping at the first failure (Redis is probably still
   * down; the rest stays for the next flush). One flush at a time: concurrent callers share it.
   */
  flush(record: (outcome: TaskOutcome) => Promise<unknown>): Promise<FlushReport> {
    this.flushing ??= this.drain(record).finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async drain(record: (outcome: TaskOutcome) => Promise<unknown>): Promise<FlushReport> {
    let flushed = 0;
    while (this.pending.length > 0) {
      const next = this.pending[0]!;
      try {
        await record(next);
      } catch (error) {
        return { flushed, remaining: this.pending.length, error: redisErrorMessage(error) };
      }
      // add() may have dropped entries meanwhile: remove this very outcome, not blindly the head.
      const index = this.pending.indexOf(next);
      if (index >= 0) this.pending.splice(index, 1);
      flushed += 1;
    }
    if (flushed > 0) this.logger.info({ flushed }, 'task ledger flushed to redis');
    return { flushed, remaining: 0, error: null };
  }
}
