import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { apiGatewayContract } from './api-gateway.js';
import { ErrorBodySchema, GLOBAL_BEHAVIOUR, SHARED_ERROR_RESPONSES, type ServiceContract } from './common.js';
import { dashboardContract } from './dashboard.js';
import { mayaSawaContract } from './maya-sawa.js';
import { openAiStandInContract } from './openai-stand-in.js';
import { workerContract } from './worker.js';

export const CONTRACTS: readonly ServiceContract[] = [apiGatewayContract, workerContract, dashboardContract, mayaSawaContract, openAiStandInContract];

export type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;

export function buildOpenApiDocument(contract: ServiceContract): OpenApiDocument {
  const registry = new OpenAPIRegistry();
  const errorBody = { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } };
  const shared = Object.entries(SHARED_ERROR_RESPONSES).map(
    ([status, { name, description }]) => [status, registry.registerComponent('responses', name, { description, content: errorBody }).ref] as const,
  );
  for (const route of Object.values(contract.routes)) registry.registerPath({ ...route, responses: { ...Object.fromEntries(shared), ...route.responses } });
  const document = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: contract.title,
      version: '0.1.0',
      description: `${contract.description}\n\n${GLOBAL_BEHAVIOUR}\n\nRequired metrics: ${contract.requiredMetrics.join(', ')}.`,
    },
    servers: [{ url: `http://localhost:${contract.defaultPort}` }],
  });
  // Listed even where no route names it: unknown routes and malformed bodies answer with it. (registry.register
  // would need extendZodWithOpenApi, which patches the CommonJS copy of zod, not the ESM one our schemas use.)
  const schemas = (document.components ??= {}).schemas ??= {};
  if (!schemas.ErrorBody) {
    // The schema's own id makes zod answer { $ref, $defs: { ErrorBody } }: keep the definition.
    const jsonSchema = z.toJSONSchema(ErrorBodySchema, { target: 'draft-2020-12' });
    const errorBody = jsonSchema.$defs?.ErrorBody;
    if (!errorBody || typeof errorBody === 'boolean') throw new Error('zod did not emit an ErrorBody definition');
    // zod's JSON Schema 2020-12 output is what OpenAPI 3.1 schemas are; only the TypeScript types differ.
    schemas.ErrorBody = errorBody as NonNullable<typeof schemas.ErrorBody>;
  }
  return document;
}

export const documentFileName = (contract: ServiceContract): string => `${contract.service}.openapi.json`;

/** The exact text `npm run contracts` writes, so the freshness test can compare byte for byte. */
export function renderOpenApiDocument(contract: ServiceContract): string {
  return `${JSON.stringify(buildOpenApiDocument(contract), null, 2)}\n`;
}
