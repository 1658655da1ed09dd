import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { ARTIFACTS_DIR, JUNIT_FILE } from './harness/report/report-files.js';
import ScenarioSequencer from './harness/scenario-sequencer.js';
import { scenarioWorkers } from './harness/system.js';

// Three projects, so the fast checks and the cluster scenarios can run apart:
//   unit       services, manifests, images, harness, bench: in-process, with a real Redis in a container
//   contracts  every service started on loopback against real dependencies, checked against contracts/
//   scenarios  the deployment guarantees, on a real Kubernetes cluster in a container (one per run), each file on
//              its own copy of the system, one file per core at a time (scenarioLanes), and beside them the files
//              that run on a node of their own (scenarioWorkers)
export default defineConfig({
  test: {
    // Unit and contract files mostly wait on containers (Redis, PostgreSQL) and child processes, so more workers than
    // cores pays: 51 s instead of 85 s on 2 cores.
    maxWorkers: Math.max(4, availableParallelism()),
    sequence: { sequencer: ScenarioSequencer },
    // After every run, whole or one file: a JUnit report for CI systems, then the evidence report for people
    // (artifacts/index.html, harness/report/evidence-reporter.ts).
    reporters: ['default', './harness/summary-reporter.ts', ['junit', { outputFile: `${ARTIFACTS_DIR}/${JUNIT_FILE}` }], './harness/report/evidence-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          sequence: { groupOrder: 0 },
          // Each worker imports the modules once for all its files, not once per file: no test here mocks a module
          // or changes the environment for good (none uses vi.mock, vi.stubEnv or fake timers), and the unit and
          // contract tests take 39 s instead of 55 s of the two cores the cluster boots on meanwhile.
          isolate: false,
          include: ['services/**/*.test.ts', 'manifests/**/*.test.ts', 'images/**/*.test.ts', 'harness/**/*.test.ts', 'bench/**/*.test.ts'],
          globalSetup: ['harness/global-setup/images.ts'],
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'contracts',
          // With the unit tests: one group of workers, no wait between the two projects.
          sequence: { groupOrder: 0 },
          isolate: false,
          include: ['contracts/**/*.test.ts'],
          globalSetup: ['harness/global-setup/images.ts'],
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'scenarios',
          // Last: timing-sensitive scenarios (rollouts, HPA) never share the cores with unit tests. Their cluster
          // boots in the background while the unit and contract tests run. Files run side by side, each on its own
          // copy of the system (harness/scenario-system.ts); the largest (longest) first (harness/scenario-sequencer.ts).
          sequence: { groupOrder: 1 },
          include: ['scenarios/**/*.test.ts'],
          globalSetup: ['harness/global-setup/cluster.ts'],
          setupFiles: ['harness/setup/cluster.ts'],
          maxWorkers: scenarioWorkers(),
          testTimeout: 600_000,
          hookTimeout: 1_800_000,
        },
      },
    ],
  },
});
