/** Where a phase stopped: a named step, or the phase's own code between steps, or a teardown. */
export interface PhaseFailure {
  /** `step "pod leaves the endpoints"`, `its code after step "…"`, `teardown "…"`. */
  where: string;
  error: unknown;
}

/** Thrown when an assessment reads what a phase did not measure because it stopped early. */
export class PhaseIncomplete extends Error {
  override name = 'PhaseIncomplete';
}

/** The first line of an error's message (a wait's timeout carries the namespace's diagnostics after it), shortened. */
export function errorLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const line = message.split('\n')[0] ?? '';
  return line.length > 400 ? `${line.slice(0, 400)}…` : line;
}

export const describeFailure = (phase: string, failure: PhaseFailure): string => `phase "${phase}": ${failure.where} did not complete (${errorLine(failure.error)})`;

/** What a phase measured, and where it stopped if it did not run its course. */
export class PhaseOutcome<R> {
  constructor(
    readonly phase: string,
    private readonly values: Partial<R>,
    /** Steps (or code between them) that failed: the phase stopped at the first. */
    readonly failures: readonly PhaseFailure[],
    /** Teardowns that failed (each teardown runs whatever happened before it). */
    readonly teardownFailures: readonly PhaseFailure[],
  ) {}

  get completed(): boolean {
    return this.failures.length === 0;
  }

  /** A value the phase measured, or undefined. */
  measured<K extends keyof R>(key: K): R[K] | undefined {
    return this.values[key];
  }

  /** A value the phase measured; else an error naming the step that did not complete (PhaseIncomplete). */
  result<K extends keyof R>(key: K): R[K] {
    const value = this.measured(key);
    if (value !== undefined) return value;
    if (!this.completed) {
      throw new PhaseIncomplete(`${this.failures.map((failure) => describeFailure(this.phase, failure)).join('; ')}, so ${String(key)} was not measured`);
    }
    throw new Error(`phase "${this.phase}" ran its course without measuring ${String(key)}`);
  }
}
