import { afterAll, beforeAll } from 'vitest';
import { describeFailure, PhaseIncomplete, type PhaseOutcome } from './phase-outcome.js';
import { runPhase, type PhaseBody, type PhaseOptions, type PhaseSetting, type Recorded } from './run-phase.js';

/** A phase as a describe's setup; its `it`s are the assessments. */
export interface Phase<R> {
  /**
   * A value the phase measured, for an assessment. If the phase stopped before measuring it, this throws an error
   * naming the step that did not complete, so that assessment fails on its own while the others report theirs.
   */
  result<K extends keyof (R & Recorded)>(key: K): (R & Recorded)[K];
}

/**
 * In a describe: runs the phase (runPhase) as its beforeAll, which never fails the hook itself. An afterAll fails the
 * describe if a teardown failed, or if a step failed that no assessment reported.
 */
export function usePhase<R extends object>(setting: PhaseSetting, name: string, options: PhaseOptions, body: PhaseBody<R>): Phase<R> {
  let outcome: PhaseOutcome<R & Recorded> | undefined;
  let reported = false;

  beforeAll(async () => {
    outcome = await runPhase(setting, name, options, body);
  });

  afterAll(() => {
    if (!outcome) return; // it never ran: its describe's tests were skipped, or an outer setup failed (reported there)
    const unreported = [...(reported ? [] : outcome.failures), ...outcome.teardownFailures];
    if (unreported.length > 0) throw new Error(unreported.map((failure) => describeFailure(name, failure)).join('\n'));
  });

  return {
    result(key) {
      if (!outcome) throw new Error(`phase "${name}" has not run`);
      try {
        return outcome.result(key);
      } catch (error) {
        if (error instanceof PhaseIncomplete) reported = true;
        throw error;
      }
    },
  };
}
