import type { OpenApiDocument } from '../docs/docs-router.js';

/** The smallest document a demo app of a shared module's test can serve at /openapi.json. */
export const demoOpenApi: OpenApiDocument = { openapi: '3.1.0', info: { title: 'demo', version: '0.0.0' }, paths: {} };
