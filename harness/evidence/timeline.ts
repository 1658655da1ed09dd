import { seconds } from '../seconds.js';

/** A mark on the timeline: something the scenario did or saw (rollout started, Redis cut, pod unready). */
export interface TimelineMark {
  /** Seconds since the timeline started. */
  t: number;
  label: string;
}

/** What a timeline holds once finished: one value per series per second, and the marks. */
export interface TimelineData {
  scenario: string;
  name: string;
  startedAt: string;
  seconds: number;
  /** Gauges (last value seen in each second, carried forward) and counters (sum per second), by series name. */
  series: Record<string, Array<number | null>>;
  kinds: Record<string, 'gauge' | 'counter'>;
  marks: TimelineMark[];
  /** Figures the scenario measured (durations, totals), for the report. */
  figures: Record<string, number | string>;
}

/**
 * Records what happened during a scenario, per second: gauges (ready endpoints, replicas) are sampled as they
 * change, counters (requests sent, failures) are summed per second. Time is bucketed from the moment of creation.
 */
export class Timeline {
  readonly startedAt = Date.now();
  private readonly gauges = new Map<string, Map<number, number>>();
  private readonly counters = new Map<string, Map<number, number>>();
  private readonly marks: TimelineMark[] = [];
  private readonly figures: Record<string, number | string> = {};
  private endedAt?: number;

  constructor(
    readonly scenario: string,
    readonly name: string,
  ) {}

  /** Seconds since the timeline started (one decimal). */
  elapsed(at = Date.now()): number {
    return seconds(at - this.startedAt);
  }

  private second(at: number): number {
    return Math.max(0, Math.floor((at - this.startedAt) / 1000));
  }

  /** Sets a gauge's current value (e.g. ready endpoints = 2). */
  set(series: string, value: number, at = Date.now()): void {
    const buckets = this.gauges.get(series) ?? new Map<number, number>();
    buckets.set(this.second(at), value);
    this.gauges.set(series, buckets);
  }

  /** Adds to a counter in the current second (e.g. one request sent). */
  count(series: string, amount = 1, at = Date.now()): void {
    const buckets = this.counters.get(series) ?? new Map<number, number>();
    const second = this.second(at);
    buckets.set(second, (buckets.get(second) ?? 0) + amount);
    this.counters.set(series, buckets);
  }

  /** Declares a counter so it shows (as zeros) even if nothing was counted. */
  declareCounter(series: string): void {
    if (!this.counters.has(series)) this.counters.set(series, new Map());
  }

  mark(label: string, at = Date.now()): void {
    this.marks.push({ t: this.elapsed(at), label });
  }

  figure(name: string, value: number | string): void {
    this.figures[name] = value;
  }

  end(at = Date.now()): void {
    this.endedAt ??= at;
  }

  toJSON(): TimelineData {
    const length = this.second(this.endedAt ?? Date.now()) + 1;
    const series: TimelineData['series'] = {};
    const kinds: TimelineData['kinds'] = {};
    for (const [name, buckets] of this.gauges) {
      let last: number | null = null;
      series[name] = Array.from({ length }, (_, second) => (last = buckets.get(second) ?? last));
      kinds[name] = 'gauge';
    }
    for (const [name, buckets] of this.counters) {
      series[name] = Array.from({ length }, (_, second) => buckets.get(second) ?? 0);
      kinds[name] = 'counter';
    }
    return {
      scenario: this.scenario,
      name: this.name,
      startedAt: new Date(this.startedAt).toISOString(),
      seconds: length,
      series,
      kinds,
      marks: [...this.marks],
      figures: { ...this.figures },
    };
  }
}
