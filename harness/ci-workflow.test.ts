import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { repoRoot } from '../images/catalog.js';
import { ARTIFACTS_DIR } from './report/report-files.js';
import { suiteConfig } from './suite-config.js';

const WORKFLOW = '.github/workflows/deployment-guarantees.yml';

interface Step {
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, string | number>;
}
interface Workflow {
  on: Record<string, { paths?: string[] } | null>;
  jobs: Record<string, { 'runs-on': string; env?: Record<string, string>; steps: Step[] }>;
}

const text = readFileSync(join(repoRoot, WORKFLOW), 'utf8');
const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
const workflow = document.toJS() as Workflow;
const [job] = Object.values(workflow.jobs);
const steps = job?.steps ?? [];
const using = (action: string): Step[] => steps.filter((step) => step.uses?.split('@')[0] === action);

/** Every command the README shows: its inline code and the lines of its code blocks, without their comments. */
function readmeCommands(): Set<string> {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].flatMap(([, body]) => body!.split('\n'));
  const inline = [...readme.replace(/```[\s\S]*?```/g, '').matchAll(/`([^`\n]+)`/g)].map(([, code]) => code!);
  return new Set([...blocks, ...inline].map((line) => line.replace(/\s+#.*$/, '').trim()).filter(Boolean));
}

// The workflow cannot run here (no GitHub, no Docker Hub): what it would do is checked instead, and actionlint checked
// it once by hand (README, "CI on your repository").
describe(`${WORKFLOW}: the suite in a user's CI`, () => {
  it('is valid YAML with one job', () => {
    expect(document.errors.map((error) => error.message)).toEqual([]);
    expect(Object.keys(workflow.jobs)).toHaveLength(1);
  });

  it('runs on every pull request that touches manifests/ or services/, and on nothing else', () => {
    expect(workflow.on).toEqual({ pull_request: { paths: ['manifests/**', 'services/**'] } });
  });

  it('runs only commands the README documents', () => {
    const commands = steps.filter((step) => step.run !== undefined).flatMap((step) => step.run!.trim().split('\n'));
    expect(commands.length).toBeGreaterThan(0);
    const documented = readmeCommands();
    expect(commands.filter((command) => !documented.has(command.trim()))).toEqual([]);
  });

  it('takes the upstream images from Docker Hub (KMS_IMAGE_SOURCE=upstream, as the suite reads it)', () => {
    expect(suiteConfig(job?.env ?? {}).imageSource).toBe('upstream');
  });

  it('caches the image cache directory where the suite keeps it by default', () => {
    const [cache] = using('actions/cache');
    expect(job?.env?.KMS_CACHE_DIR, 'the default is the cached path').toBeUndefined();
    expect(String(cache?.with?.path).replace(/^~/, '/home/runner')).toBe(suiteConfig({}, { home: '/home/runner' }).cacheDir);
    expect(String(cache?.with?.key)).toMatch(/hashFiles\('images\/\*\*'/);
  });

  it('uploads artifacts/ (report, JUnit, charts) whether the tests pass or fail', () => {
    const [upload] = using('actions/upload-artifact');
    expect(upload?.if).toBe('always()');
    expect(upload?.with?.path).toBe(`${ARTIFACTS_DIR}/`);
    expect(steps.indexOf(upload!), 'after the tests').toBe(steps.length - 1);
  });

  it('runs on the Node the project needs, with every action pinned to a major version', () => {
    const engines = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
    expect(Number(using('actions/setup-node')[0]?.with?.['node-version'])).toBeGreaterThanOrEqual(Number(/\d+/.exec(engines)?.[0]));
    for (const step of steps.filter((item) => item.uses)) expect(step.uses).toMatch(/^[\w-]+\/[\w-]+@v\d+$/);
  });
});
