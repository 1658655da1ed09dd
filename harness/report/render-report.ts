import { seconds } from '../seconds.js';
import type { Figures } from '../figures.js';
import type { AssertionReport, FileReport, Outcome, ReportedError, RunReport, SetupFailure } from './report-data.js';
import { ARTIFACTS_DIR } from './report-files.js';
import type { ScenarioEvidence, TimelineEvidence } from './scenario-evidence.js';

export interface ReportInputs {
  run: RunReport;
  /** Each scenario file's evidence, by scenario name. */
  evidence: ReadonlyMap<string, ScenarioEvidence>;
  /** The JUnit report beside the page, relative to it. */
  junitFile?: string;
}

const escape = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** An id for a file's section: `file-scenarios-smoke-test-ts`. */
export const fileAnchor = (file: string): string => `file-${file.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '')}`;

const duration = (ms: number | undefined): string => (ms === undefined ? '' : ms < 1000 ? `${Math.round(ms)} ms` : `${seconds(ms)} s`);

const OUTCOME_WORDS: Record<Outcome, string> = { passed: 'passed', failed: 'FAILED', skipped: 'skipped' };
const badge = (outcome: Outcome): string => `<span class="badge ${outcome}">${OUTCOME_WORDS[outcome]}</span>`;

const trail = (path: readonly string[]): string => path.map(escape).join(' <span class="sep">›</span> ');

function count(assertions: readonly AssertionReport[]): Record<Outcome, number> {
  const counts: Record<Outcome, number> = { passed: 0, failed: 0, skipped: 0 };
  for (const assertion of assertions) counts[assertion.outcome] += 1;
  return counts;
}

const countsLine = (counts: Record<Outcome, number>): string =>
  (['failed', 'passed', 'skipped'] as const)
    .filter((outcome) => counts[outcome] > 0)
    .map((outcome) => `${counts[outcome]} ${outcome}`)
    .join(', ') || 'no assertions';

function figuresTable(figures: Figures, caption: string): string {
  const entries = Object.entries(figures);
  if (entries.length === 0) return '';
  const rows = entries.map(([key, value]) => `<tr><th scope="row">${escape(key)}</th><td>${escape(String(value))}</td></tr>`).join('');
  return `<table class="figures"><caption>${escape(caption)}</caption><tbody>${rows}</tbody></table>`;
}

function errorBlock(error: ReportedError): string {
  const parts = [`<pre class="error">${escape(error.message)}</pre>`];
  if (error.at) parts.unshift(`<p class="at">at <code>${escape(error.at)}</code></p>`);
  if (error.diff) parts.push(`<details><summary>Difference</summary><pre>${escape(error.diff)}</pre></details>`);
  if (error.stack) parts.push(`<details><summary>Stack</summary><pre>${escape(error.stack)}</pre></details>`);
  return parts.join('\n');
}

/** The namespace name from the diagnostics' first line (`--- diagnostics for namespace x ---`). */
const diagnosedNamespace = (diagnostics: string): string => /namespace (\S+)/.exec(diagnostics)?.[1] ?? 'the namespace';

function diagnosticsBlock(diagnostics: readonly string[]): string {
  return diagnostics
    .map((text) => `<details class="diagnostics" open><summary>Diagnostics of ${escape(diagnosedNamespace(text))}: pods, events, logs</summary><pre>${escape(text)}</pre></details>`)
    .join('\n');
}

interface Failure {
  id: string;
  file: FileReport;
  path: string[];
  kind: 'assertion' | 'setup';
  assertion?: AssertionReport;
  errors: ReportedError[];
  diagnostics: readonly string[];
}

function failuresOf(files: readonly FileReport[]): Failure[] {
  const failures: Failure[] = [];
  for (const file of files) {
    file.setupFailures.forEach((setup: SetupFailure) => {
      failures.push({ id: `failure-${failures.length + 1}`, file, path: setup.path, kind: 'setup', errors: setup.errors, diagnostics: [] });
    });
    for (const assertion of file.assertions.filter((item) => item.outcome === 'failed')) {
      failures.push({ id: `failure-${failures.length + 1}`, file, path: [...assertion.path, assertion.name], kind: 'assertion', assertion, errors: assertion.errors, diagnostics: assertion.diagnostics });
    }
  }
  return failures;
}

function failureSection(failures: readonly Failure[], runErrors: readonly ReportedError[]): string {
  if (failures.length === 0 && runErrors.length === 0) return '';
  const items = failures.map((failure) => {
    const where = failure.kind === 'setup' ? (failure.path.length ? `setup or teardown of ${trail(failure.path)}` : 'the file itself (it did not load or run)') : trail(failure.path);
    return `<article class="failure" id="${failure.id}">
<h3><a href="#${fileAnchor(failure.file.file)}">${escape(failure.file.file)}</a> <span class="sep">›</span> ${where}</h3>
${failure.errors.map(errorBlock).join('\n')}
${diagnosticsBlock(failure.diagnostics)}
</article>`;
  });
  const run = runErrors.map((error) => `<article class="failure"><h3>Outside any file</h3>${errorBlock(error)}</article>`);
  return `<section id="failures" aria-labelledby="failures-heading"><h2 id="failures-heading">Failures (${failures.length + runErrors.length})</h2>
${[...run, ...items].join('\n')}
</section>`;
}

/** The file's assertions, under the name of the describe they belong to (the feature it specifies). */
function assertionList(file: FileReport, failures: readonly Failure[]): string {
  if (file.assertions.length === 0) return '<p>No assertions ran.</p>';
  const groups: Array<{ feature: string | undefined; items: string[] }> = [];
  for (const assertion of file.assertions) {
    const [feature, ...inner] = assertion.path;
    if (groups.at(-1)?.feature !== feature || groups.length === 0) groups.push({ feature, items: [] });
    const failure = failures.find((item) => item.assertion === assertion);
    const name = `${inner.length ? `<span class="path">${trail(inner)} › </span>` : ''}${escape(assertion.name)}`;
    const extra = failure ? ` <a href="#${failure.id}">what failed</a>` : assertion.note ? ` <span class="note">(${escape(assertion.note)})</span>` : '';
    groups.at(-1)!.items.push(`<li class="${assertion.outcome}">${badge(assertion.outcome)} ${name} <span class="duration">${duration(assertion.durationMs)}</span>${extra}</li>`);
  }
  return groups.map((group) => `${group.feature ? `<p class="feature">${escape(group.feature)}</p>` : ''}<ul class="assertions">${group.items.join('\n')}</ul>`).join('\n');
}

function timelineBlock(scenario: string, timeline: TimelineEvidence): string {
  const label = `Chart of ${scenario}, phase ${timeline.name}: what Kubernetes reported and what the clients saw, per second`;
  const svg = timeline.svg.replace(/^<\?xml[^>]*>\s*/, '').replace(/^<svg /, `<svg role="img" aria-label="${escape(label)}" `);
  const marks = timeline.marks.map((mark) => `<li><span class="t">${mark.t} s</span> ${escape(mark.label)}</li>`).join('');
  return `<section class="phase" aria-label="phase ${escape(timeline.name)}">
<h4>Phase ${escape(timeline.name)} <span class="duration">${timeline.seconds} s</span></h4>
<figure>${svg}<figcaption><a href="${escape(timeline.svgFile)}">chart (SVG)</a> · <a href="${escape(timeline.jsonFile)}">timeline (JSON)</a></figcaption></figure>
${figuresTable(timeline.figures, `Figures of phase ${timeline.name}`)}
${marks ? `<details><summary>Steps, in seconds from the phase's start</summary><ol class="marks">${marks}</ol></details>` : ''}
</section>`;
}

function imagesBlock(images: readonly string[]): string {
  if (images.length === 0) return '';
  const figures = images.map((image) => {
    const name = image.split('/').at(-1) ?? image;
    return `<figure class="shot"><a href="${escape(image)}"><img src="${escape(image)}" alt="Screenshot ${escape(name)}"></a><figcaption>${escape(name)}</figcaption></figure>`;
  });
  return `<h4>Screenshots</h4><div class="shots">${figures.join('\n')}</div>`;
}

/** The file's own figures, without those its phases' tables show (runPhase adds each as `<phase>.<name>`). */
function ownFigures(figures: Figures, timelines: readonly TimelineEvidence[]): Figures {
  const shown = (key: string): boolean => timelines.some((timeline) => key.startsWith(`${timeline.name}.`) && timeline.figures[key.slice(timeline.name.length + 1)] === figures[key]);
  return Object.fromEntries(Object.entries(figures).filter(([key]) => !shown(key)));
}

function scenarioArticle(file: FileReport, evidence: ScenarioEvidence | undefined, failures: readonly Failure[]): string {
  const counts = count(file.assertions);
  const timelines = evidence?.timelines ?? [];
  const hasEvidence = timelines.length > 0 || (evidence?.images.length ?? 0) > 0;
  return `<article class="file ${file.outcome}" id="${fileAnchor(file.file)}">
<h3>${badge(file.outcome)} ${escape(file.file)}</h3>
<p class="summary">${countsLine(counts)} · ${duration(file.durationMs)}${hasEvidence ? ` · evidence in <code>${ARTIFACTS_DIR}/${escape(file.scenario ?? '')}/</code>` : ''}</p>
${assertionList(file, failures)}
${figuresTable(ownFigures(file.figures, timelines), 'Figures of the file')}
${timelines.map((timeline) => timelineBlock(file.scenario ?? file.file, timeline)).join('\n')}
${imagesBlock(evidence?.images ?? [])}
</article>`;
}

function otherFilesSection(files: readonly FileReport[], failures: readonly Failure[]): string {
  if (files.length === 0) return '';
  const rows = files.map((file) => {
    const counts = count(file.assertions);
    return `<details class="file ${file.outcome}" id="${fileAnchor(file.file)}"${file.outcome === 'failed' ? ' open' : ''}>
<summary>${badge(file.outcome)} <span class="project">${escape(file.project)}</span> ${escape(file.file)} <span class="duration">${countsLine(counts)} · ${duration(file.durationMs)}</span></summary>
${assertionList(file, failures)}
${figuresTable(file.figures, 'Figures of the file')}
</details>`;
  });
  return `<section id="other-files" aria-labelledby="other-heading"><h2 id="other-heading">Unit and contract files (${files.length})</h2>
${rows.join('\n')}
</section>`;
}

const STYLE = `
:root { color-scheme: light; --pass: #1b6e20; --fail: #b00020; --skip: #595959; --line: #d0d0d0; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #1a1a1a; background: #fafafa; }
header, main { max-width: 1100px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 16px; }
h1 { margin: 0.2em 0; font-size: 1.6em; }
h2 { border-bottom: 2px solid var(--line); padding-bottom: 4px; margin-top: 1.8em; }
h3 { font-size: 1.1em; margin: 0.4em 0; }
h4 { margin: 1.2em 0 0.4em; }
.verdict { font-size: 1.15em; font-weight: 600; padding: 8px 12px; border-radius: 6px; border-left: 6px solid; background: white; }
.verdict.passed { border-color: var(--pass); } .verdict.failed { border-color: var(--fail); }
nav ul { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 6px 16px; }
.badge { display: inline-block; min-width: 4.6em; text-align: center; font-size: 0.78em; font-weight: 700; padding: 1px 6px; border-radius: 4px; color: white; vertical-align: 1px; }
.badge.passed { background: var(--pass); } .badge.failed { background: var(--fail); } .badge.skipped { background: var(--skip); }
.sep, .duration, .path, .note, .project, .at { color: #555; }
.duration { font-size: 0.9em; white-space: nowrap; }
.project { font-size: 0.85em; }
article.file, details.file, article.failure { background: white; border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; margin: 12px 0; }
article.failure { border-left: 6px solid var(--fail); }
details.file > summary { cursor: pointer; }
ul.assertions { list-style: none; padding-left: 0; margin-top: 4px; }
p.feature { font-weight: 600; margin: 10px 0 0; }
ul.assertions li { padding: 2px 0; }
pre { background: #f3f3f3; padding: 8px; overflow: auto; max-height: 32em; font-size: 0.85em; white-space: pre-wrap; word-break: break-word; }
pre.error { background: #fdecee; color: #5c0010; }
table.figures { border-collapse: collapse; margin: 8px 0; font-size: 0.92em; }
table.figures caption { text-align: left; font-weight: 600; padding-bottom: 4px; }
table.figures th, table.figures td { border: 1px solid var(--line); padding: 3px 8px; text-align: left; vertical-align: top; }
table.figures th { font-weight: normal; font-family: ui-monospace, monospace; background: #f6f6f6; }
figure { margin: 8px 0; }
figure svg { max-width: 100%; height: auto; border: 1px solid var(--line); }
.shots { display: flex; flex-wrap: wrap; gap: 12px; }
figure.shot img { width: 300px; height: 210px; object-fit: cover; object-position: top; border: 1px solid var(--line); }
ol.marks { font-size: 0.9em; } .t { display: inline-block; min-width: 4em; color: #555; }
a { color: #0b57d0; }
`;

/** The evidence report: one page, readable offline, failures first. */
export function renderReport({ run, evidence, junitFile }: ReportInputs): string {
  const failures = failuresOf(run.files);
  const counts = count(run.files.flatMap((file) => file.assertions));
  const failed = failures.length + run.runErrors.length > 0;
  const byFailureFirst = (a: FileReport, b: FileReport): number => Number(b.outcome === 'failed') - Number(a.outcome === 'failed') || a.file.localeCompare(b.file);
  const isScenario = (file: FileReport): boolean => file.project === 'scenarios' || file.scenario !== undefined;
  const scenarios = run.files.filter(isScenario).sort(byFailureFirst);
  const others = run.files.filter((file) => !isScenario(file)).sort(byFailureFirst);
  const when = run.startedAt.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  const nav = [
    failed ? '<li><a href="#failures">Failures</a></li>' : '',
    ...scenarios.map((file) => `<li><a href="#${fileAnchor(file.file)}">${escape(file.scenario ?? file.file)}</a>${file.outcome === 'failed' ? ' (failed)' : ''}</li>`),
    others.length ? '<li><a href="#other-files">Unit and contract files</a></li>' : '',
    junitFile ? `<li><a href="${escape(junitFile)}">JUnit XML</a></li>` : '',
  ].filter(Boolean);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'">
<title>${failed ? 'FAILED' : 'Passed'}: evidence report of ${escape(when)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>Evidence report</h1>
<p class="verdict ${failed ? 'failed' : 'passed'}">${failed ? 'Failed' : 'Passed'}: ${countsLine(counts)} in ${run.files.length} file${run.files.length === 1 ? '' : 's'} · started ${escape(when)} · ${duration(run.durationMs)}</p>
<nav aria-label="Contents"><ul>${nav.join('')}</ul></nav>
</header>
<main>
${failureSection(failures, run.runErrors)}
${scenarios.length ? `<section id="scenarios" aria-labelledby="scenarios-heading"><h2 id="scenarios-heading">Scenario files (${scenarios.length})</h2>\n${scenarios.map((file) => scenarioArticle(file, file.scenario ? evidence.get(file.scenario) : undefined, failures)).join('\n')}\n</section>` : ''}
${otherFilesSection(others, failures)}
</main>
</body>
</html>
`;
}
