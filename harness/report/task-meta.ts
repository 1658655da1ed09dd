import type { RunnerTask, RunnerTestFile } from 'vitest';
import type { Figures } from '../figures.js';

// What a scenario file hands to the evidence report (harness/report/evidence-reporter.ts) through vitest's task
// metadata, which travels from the test worker to the reporters with each task's result.
declare module 'vitest' {
  interface TaskMeta {
    /** On a scenario file: its name, which is also its folder under artifacts/. */
    scenario?: string;
    /** On a scenario file: what it measured (harness/figures.ts). */
    figures?: Figures;
    /** On a failed assessment: the namespace diagnostics printed after it (pods, events, logs), one per namespace. */
    diagnostics?: string[];
  }
}

/** Marks a test file as a scenario's, with its figures so far (called again as they grow). */
export function reportScenario(file: RunnerTestFile, scenario: string, figures: Figures): void {
  file.meta.scenario = scenario;
  file.meta.figures = { ...figures };
}

/** Adds one namespace's diagnostics to a failed assessment. */
export function reportDiagnostics(task: RunnerTask, diagnostics: string): void {
  task.meta.diagnostics = [...(task.meta.diagnostics ?? []), diagnostics];
}
