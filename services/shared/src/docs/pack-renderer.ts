import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { RENDERER_FILES, RENDERER_LICENCE_FILES } from './page.js';
import { rendererDir } from './renderer-assets.js';

// images/service/build.sh: `tsx pack-renderer.ts <dir>` writes the renderer's files gzipped (what the services
// serve anyway, at a quarter of the size in the image) and its licence into <dir>.
const target = process.argv[2];
if (!target) throw new Error('usage: tsx services/shared/src/docs/pack-renderer.ts <target dir>');
const source = rendererDir();
mkdirSync(target, { recursive: true });
for (const name of RENDERER_FILES) writeFileSync(join(target, `${name}.gz`), gzipSync(readFileSync(join(source, name)), { level: 9 }));
for (const name of RENDERER_LICENCE_FILES) copyFileSync(join(source, name), join(target, name));
