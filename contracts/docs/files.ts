import { join } from 'node:path';
import { repoRoot } from '../../images/catalog.js';
import { CONTRACTS, buildOpenApiDocument } from '../registry.js';
import { renderMarkdownIndex, renderServiceMarkdown } from './markdown.js';
import { siteFiles } from './site.js';

/** Where `npm run docs` writes, and what the freshness test reads. */
export const DOCS_DIR = join(repoRoot, 'docs', 'api');

/** Every file of docs/api, by its path under it: the Markdown reference and the static site, for every contract. */
export function docsFiles(): Map<string, string | Buffer> {
  const files = new Map<string, string | Buffer>();
  files.set('README.md', renderMarkdownIndex(CONTRACTS));
  for (const contract of CONTRACTS) files.set(`${contract.service}.md`, renderServiceMarkdown(contract, buildOpenApiDocument(contract)));
  for (const [path, content] of siteFiles(CONTRACTS)) files.set(join('site', path), content);
  return files;
}
