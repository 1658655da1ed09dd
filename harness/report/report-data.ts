import { relative } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import type { SerializedError, TestError } from 'vitest';
import type { TestCase, TestModule, TestSuite } from 'vitest/node';
import type { Figures } from '../figures.js';

export type Outcome = 'passed' | 'failed' | 'skipped';

/** An error as the report prints it: plain text, and where in the repository it was thrown. */
export interface ReportedError {
  message: string;
  /** `scenarios/probes.test.ts:88`: the test file's own frame, else the first outside node_modules. */
  at?: string;
  diff?: string;
  stack?: string;
}

/** One assessment (`it`) of a file. */
export interface AssertionReport {
  /** The describes around it, outermost first. */
  path: string[];
  name: string;
  outcome: Outcome;
  durationMs?: number;
  errors: ReportedError[];
  /** The namespace diagnostics printed after it failed (harness/diagnostics-on-failure.ts). */
  diagnostics: string[];
  /** Why it was skipped, when it said so. */
  note?: string;
}

/** A failure outside the assessments: a beforeAll or afterAll of a describe, or the file itself (its import). */
export interface SetupFailure {
  /** The describes' names, outermost first; empty for the file. */
  path: string[];
  errors: ReportedError[];
}

export interface FileReport {
  /** Relative to the repository: `scenarios/smoke.test.ts`. */
  file: string;
  project: string;
  outcome: Outcome;
  durationMs: number;
  assertions: AssertionReport[];
  setupFailures: SetupFailure[];
  /** A scenario file's name (its folder under artifacts/), and what it measured. */
  scenario?: string;
  figures: Figures;
}

export interface RunReport {
  startedAt: Date;
  durationMs: number;
  files: FileReport[];
  /** Errors vitest saw outside any file (unhandled rejections, a global setup that failed). */
  runErrors: ReportedError[];
}

const plain = (text: string | undefined): string | undefined => (text === undefined ? undefined : stripVTControlCharacters(text));

export function reportedError(error: SerializedError | TestError, root: string, testFile?: string): ReportedError {
  const frame = error.stacks?.find((stack) => stack.file === testFile) ?? error.stacks?.find((stack) => !stack.file.includes('/node_modules/'));
  const reported: ReportedError = { message: plain(error.message) ?? '' };
  if (frame) reported.at = `${relative(root, frame.file)}:${frame.line}`;
  const diff = plain((error as TestError).diff);
  if (diff) reported.diff = diff;
  const stack = plain(error.stack);
  if (stack) reported.stack = stack;
  return reported;
}

function suitePath(entity: TestCase | TestSuite): string[] {
  const path: string[] = [];
  for (let parent = entity.parent; parent.type === 'suite'; parent = parent.parent) path.unshift(parent.name);
  return path;
}

function assertion(test: TestCase, root: string): AssertionReport {
  const file = test.module.moduleId;
  const result = test.result();
  const outcome: Outcome = result.state === 'failed' ? 'failed' : result.state === 'passed' ? 'passed' : 'skipped';
  const report: AssertionReport = {
    path: suitePath(test),
    name: test.name,
    outcome,
    errors: (result.errors ?? []).map((error) => reportedError(error, root, file)),
    diagnostics: test.meta().diagnostics ?? [],
  };
  const duration = test.diagnostic()?.duration;
  if (duration !== undefined && outcome !== 'skipped') report.durationMs = duration;
  if (result.state === 'skipped' && result.note) report.note = result.note;
  return report;
}

/** What a finished vitest module says about itself, as plain data for the report. */
export function fileReport(module: TestModule, root: string): FileReport {
  const reported = (error: SerializedError): ReportedError => reportedError(error, root, module.moduleId);
  const setupFailures: SetupFailure[] = [];
  if (module.errors().length > 0) setupFailures.push({ path: [], errors: module.errors().map(reported) });
  for (const suite of module.children.allSuites()) {
    const errors = suite.errors();
    if (errors.length > 0) setupFailures.push({ path: [...suitePath(suite), suite.name], errors: errors.map(reported) });
  }
  const state = module.state();
  const meta = module.meta();
  const report: FileReport = {
    file: relative(root, module.moduleId),
    project: module.project.name,
    outcome: state === 'failed' || setupFailures.length > 0 ? 'failed' : state === 'passed' ? 'passed' : 'skipped',
    durationMs: module.diagnostic().duration,
    assertions: [...module.children.allTests()].map((test) => assertion(test, root)),
    setupFailures,
    figures: meta.figures ?? {},
  };
  if (meta.scenario) report.scenario = meta.scenario;
  return report;
}
