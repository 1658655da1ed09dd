import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { SerializedError } from 'vitest';
import type { Reporter, TestModule, Vitest } from 'vitest/node';
import { fileReport, reportedError, type RunReport } from './report-data.js';
import { ARTIFACTS_DIR, JUNIT_FILE, REPORT_FILE } from './report-files.js';
import { renderReport } from './render-report.js';
import { scenarioEvidence, type ScenarioEvidence } from './scenario-evidence.js';

/**
 * Writes artifacts/index.html at the end of every run (the whole suite or one file): each file's assertions and
 * their outcome, failures first with the namespace diagnostics, and each scenario's figures, charts and screenshots
 * from this run.
 */
export default class EvidenceReporter implements Reporter {
  private root = process.cwd();
  private startedAt = new Date();

  /** `artifactsDir`: where the report goes and the evidence is read (default: artifacts/ of the vitest root). */
  constructor(private readonly options: { artifactsDir?: string } = {}) {}

  onInit(vitest: Vitest): void {
    this.root = vitest.config.root;
  }

  onTestRunStart(): void {
    this.startedAt = new Date();
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    const artifactsDir = this.options.artifactsDir ?? join(this.root, ARTIFACTS_DIR);
    const run: RunReport = {
      startedAt: this.startedAt,
      durationMs: Date.now() - this.startedAt.getTime(),
      files: testModules.map((module) => fileReport(module, this.root)),
      runErrors: unhandledErrors.map((error) => reportedError(error, this.root)),
    };
    const evidence = new Map<string, ScenarioEvidence>();
    for (const file of run.files) {
      // A second's slack: file times are rounded on some file systems.
      if (file.scenario) evidence.set(file.scenario, scenarioEvidence(artifactsDir, file.scenario, this.startedAt.getTime() - 1_000));
    }
    mkdirSync(artifactsDir, { recursive: true });
    const path = join(artifactsDir, REPORT_FILE);
    writeFileSync(path, renderReport({ run, evidence, junitFile: JUNIT_FILE }));
    console.log(`evidence report: ${relative(process.cwd(), path) || path}`);
  }
}
