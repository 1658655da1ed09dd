/** Where a run leaves its files for people and CI, relative to the repository (artifacts/ is gitignored). */
export const ARTIFACTS_DIR = 'artifacts';
/** The evidence report (harness/report/evidence-reporter.ts). */
export const REPORT_FILE = 'index.html';
/** vitest's own JUnit report, beside it. */
export const JUNIT_FILE = 'junit.xml';
