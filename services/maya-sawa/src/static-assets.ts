import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The page web serves at /static/: a small client of the jobs API. Built (not just copied) by collectstatic. */
const SOURCES: Record<string, string> = {
  'app.css': `body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 48rem; }
textarea { width: 100%; min-height: 6rem; }
table { border-collapse: collapse; width: 100%; } td, th { border-bottom: 1px solid #ddd; padding: .25rem; }`,
  'app.js': `const list = document.querySelector('#jobs');
async function refresh() {
  const answer = await fetch('/api/jobs?limit=20').then((r) => r.json());
  list.replaceChildren(...answer.jobs.map((job) => {
    const row = document.createElement('tr');
    for (const value of [job.id.slice(0, 8), job.status, job.result ? job.result.words : '', job.workerPod ?? '']) {
      const cell = document.createElement('td'); cell.textContent = String(value); row.append(cell);
    }
    return row;
  }));
}
document.querySelector('form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const text = document.querySelector('textarea').value;
  await fetch('/api/jobs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text }) });
  refresh();
});
refresh(); setInterval(refresh, 2000);`,
};

const page = (css: string, js: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>maya-sawa</title><link rel="stylesheet" href="/static/${css}"></head>
<body><h1>maya-sawa</h1><form><textarea name="text" aria-label="text"></textarea><button>Count words</button></form>
<table><thead><tr><th>job</th><th>status</th><th>words</th><th>worker</th></tr></thead><tbody id="jobs"></tbody></table>
<script type="module" src="/static/${js}"></script></body></html>
`;

export const MANIFEST_FILE = 'manifest.json';

export interface StaticManifest {
  version: string;
  builtAt: string;
  files: { path: string; sha256: string; bytes: number }[];
}

const sha256 = (content: string | Buffer) => createHash('sha256').update(content).digest('hex');

/**
 * Builds the assets into `dir`: content-hashed names for CSS and JS (cacheable forever), an index.html that points
 * at them, and manifest.json (written last, atomically: its presence means the build is complete).
 */
export async function collectStatic(dir: string, version: string, now = new Date()): Promise<StaticManifest> {
  await mkdir(dir, { recursive: true });
  const hashedNames: Record<string, string> = {};
  const files: StaticManifest['files'] = [];
  const write = async (path: string, content: string) => {
    await writeFile(join(dir, path), content);
    files.push({ path, sha256: sha256(content), bytes: Buffer.byteLength(content) });
  };
  for (const [name, content] of Object.entries(SOURCES)) {
    const [base, extension] = name.split('.') as [string, string];
    hashedNames[name] = `${base}.${sha256(content).slice(0, 10)}.${extension}`;
    await write(hashedNames[name], content);
  }
  await write('index.html', page(hashedNames['app.css']!, hashedNames['app.js']!));
  const manifest: StaticManifest = { version, builtAt: now.toISOString(), files };
  const temporary = join(dir, `.${MANIFEST_FILE}.tmp`);
  await writeFile(temporary, `${JSON.stringify(manifest, null, 2)}\n`);
  await rename(temporary, join(dir, MANIFEST_FILE));
  return manifest;
}

export type StaticCheck =
  | { ok: true; manifest: StaticManifest; manifestMtime: Date }
  | { ok: false; error: string };

/** Whether `dir` holds a complete build: the manifest, and every file it lists with the right content. */
export async function inspectStatic(dir: string): Promise<StaticCheck> {
  try {
    const path = join(dir, MANIFEST_FILE);
    const manifest = JSON.parse(await readFile(path, 'utf8')) as StaticManifest;
    for (const file of manifest.files) {
      if (sha256(await readFile(join(dir, file.path))) !== file.sha256) return { ok: false, error: `static file ${file.path} does not match the manifest` };
    }
    return { ok: true, manifest, manifestMtime: (await stat(path)).mtime };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { ok: false, error: code === 'ENOENT' ? `static assets missing in ${dir} (collectstatic has not run)` : `static assets unreadable: ${(error as Error).message}` };
  }
}
