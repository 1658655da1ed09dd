import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { DOCS_SCRIPT, DOCS_SCRIPT_FILE, DOCS_STYLESHEET, DOCS_STYLESHEET_FILE, RENDERER_FILES } from './page.js';

/** The folder beside a service's bundle that holds the renderer's files, gzipped (images/service/build.sh). */
export const RENDERER_DIR_IN_IMAGE = 'docs-assets';

const HOW_TO_FIX =
  'run `npm install` (it brings swagger-ui-dist), or rebuild the service image (images/service/build.sh packs the renderer beside the bundle)';

/** Where the renderer's files are: beside the bundle in an image, else swagger-ui-dist in node_modules (source runs). */
export function rendererDir(): string {
  const besideBundle = fileURLToPath(new URL(`./${RENDERER_DIR_IN_IMAGE}/`, import.meta.url));
  if (existsSync(besideBundle)) return besideBundle;
  try {
    return dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  } catch {
    throw new Error(`the API reference's renderer (swagger-ui-dist) is missing: neither ${besideBundle} nor node_modules has it; ${HOW_TO_FIX}`);
  }
}

export interface DocsAsset {
  contentType: string;
  /** Always held compressed: every browser accepts gzip, and the image ships only the compressed files. */
  gzipped: Buffer;
  etag: string;
}

const CONTENT_TYPES: Record<string, string> = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' };

function asset(name: string, gzipped: Buffer): DocsAsset {
  const extension = name.slice(name.lastIndexOf('.') + 1);
  return {
    contentType: CONTENT_TYPES[extension] ?? 'application/octet-stream',
    gzipped,
    etag: `"${createHash('sha256').update(gzipped).digest('base64url').slice(0, 22)}"`,
  };
}

/**
 * The files the reference page loads: the renderer's (read from `dir` on first use, `<name>.gz` or `<name>`) and
 * ours. Checks at construction that the renderer is there, so a service without it fails at start-up, naming it.
 */
export class DocsAssets {
  private readonly loaded = new Map<string, DocsAsset>();

  constructor(private readonly dir: string = rendererDir()) {
    for (const name of RENDERER_FILES) {
      if (!existsSync(join(dir, `${name}.gz`)) && !existsSync(join(dir, name))) {
        throw new Error(`the API reference's renderer is incomplete: ${join(dir, name)} is missing; ${HOW_TO_FIX}`);
      }
    }
    this.loaded.set(DOCS_SCRIPT_FILE, asset(DOCS_SCRIPT_FILE, gzipSync(DOCS_SCRIPT)));
    this.loaded.set(DOCS_STYLESHEET_FILE, asset(DOCS_STYLESHEET_FILE, gzipSync(DOCS_STYLESHEET)));
  }

  /** The asset called `name`, or undefined for any other name. */
  get(name: string): DocsAsset | undefined {
    const known = this.loaded.get(name);
    if (known || !(RENDERER_FILES as readonly string[]).includes(name)) return known;
    const packed = join(this.dir, `${name}.gz`);
    const loaded = asset(name, existsSync(packed) ? readFileSync(packed) : gzipSync(readFileSync(join(this.dir, name)), { level: 9 }));
    this.loaded.set(name, loaded);
    return loaded;
  }
}
