/**
 * The API reference page, one template for the page each service serves at /docs and for the static site
 * (`npm run docs`): Swagger UI (swagger-ui-dist) renders the OpenAPI document in the browser, from files the page's
 * own origin serves (or that sit beside it), so it works offline and under `default-src 'self'`.
 */

/** The files of swagger-ui-dist the page loads; they go into each service image (images/service/build.sh). */
export const RENDERER_FILES = ['swagger-ui-bundle.js', 'swagger-ui.css'] as const;
/** Swagger UI's licence and notice, shipped beside its files. */
export const RENDERER_LICENCE_FILES = ['LICENSE', 'NOTICE'] as const;

/**
 * Our own start-up script and styles: Swagger UI's defaults fail WCAG AA contrast (white on #61affe method badges,
 * grey on grey buttons, some tokens of its highlighted JSON) and scroll response bodies in a box a keyboard cannot
 * reach; its validator badge would call a remote service.
 */
export const DOCS_SCRIPT = `'use strict';
const root = document.getElementById('swagger-ui');
const embedded = document.getElementById('openapi-document');
window.ui = SwaggerUIBundle({
  dom_id: '#swagger-ui',
  ...(embedded ? { spec: JSON.parse(embedded.textContent) } : { url: root.dataset.specUrl }),
  validatorUrl: null,
  deepLinking: false,
  defaultModelsExpandDepth: 0,
  syntaxHighlight: false,
  supportedSubmitMethods: root.dataset.tryIt === 'true' ? ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'] : [],
});
`;

export const DOCS_STYLESHEET = `.swagger-ui .opblock.opblock-get .opblock-summary-method { background: #0b5cad; }
.swagger-ui .opblock.opblock-post .opblock-summary-method { background: #0b7349; }
.swagger-ui .opblock.opblock-put .opblock-summary-method { background: #8a4b00; }
.swagger-ui .opblock.opblock-patch .opblock-summary-method { background: #0d6b5b; }
.swagger-ui .opblock.opblock-delete .opblock-summary-method { background: #b3141b; }
.swagger-ui .info .title small pre { background: #4a505c; }
.swagger-ui .info .title small.version-stamp, .swagger-ui .info .title small.version-stamp pre { background: #3d6b00; }
.swagger-ui .info a.link, .swagger-ui .info .url { color: #1f5fa8; }
.swagger-ui .json-schema-2020-12-expand-deep-button { color: #555; }
.swagger-ui .btn.cancel { color: #b3141b; border-color: #b3141b; }
.swagger-ui .btn.execute { background-color: #1f5fa8; border-color: #1f5fa8; }
.swagger-ui .download-contents { background: #4a505c; }
.swagger-ui .highlight-code > .microlight { max-height: none; overflow: visible; }
body.index { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 48rem; padding: 0 1rem; color: #1b1b1b; }
body.index a { color: #1f5fa8; }
body.index li { margin-bottom: 1rem; }
`;

export const DOCS_SCRIPT_FILE = 'docs.js';
export const DOCS_STYLESHEET_FILE = 'docs.css';

/** Where the page gets its document: a URL its origin serves (try it out works), or the document itself (static). */
export type DocsPageSource = { specUrl: string } | { document: object };

export interface DocsPageOptions {
  title: string;
  /** Where the renderer's files and ours are, relative to the page or absolute on its origin, without a trailing /. */
  assets: string;
  source: DocsPageSource;
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);

/** JSON inside <script type="application/json">: `<` escaped, so no `</script>` in a string can end the element. */
const embeddedJson = (value: object): string => JSON.stringify(value).replace(/</g, '\\u003c');

export function docsPageHtml(options: DocsPageOptions): string {
  const { title, assets, source } = options;
  const data = 'specUrl' in source ? ` data-spec-url="${escapeHtml(source.specUrl)}" data-try-it="true"` : '';
  const embedded = 'document' in source ? `\n<script type="application/json" id="openapi-document">${embeddedJson(source.document)}</script>` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}: API reference</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${escapeHtml(assets)}/swagger-ui.css">
<link rel="stylesheet" href="${escapeHtml(assets)}/${DOCS_STYLESHEET_FILE}">
</head>
<body>
<main id="swagger-ui"${data}></main>${embedded}
<script src="${escapeHtml(assets)}/swagger-ui-bundle.js"></script>
<script src="${escapeHtml(assets)}/${DOCS_SCRIPT_FILE}"></script>
</body>
</html>
`;
}
