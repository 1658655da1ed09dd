import { z } from 'zod';
import { docsRoutes, ErrorBodySchema, errorResponse, healthRoutes, jsonResponse, type ServiceContract } from './common.js';

// The part of OpenAI's public API that maya-sawa uses (POST /v1/chat/completions), in its shape: what the official
// client sends and parses. Extra request parameters are accepted and ignored, as a provider does with options it
// does not act on.

export const ChatMessageSchema = z
  .object({
    role: z.enum(['system', 'developer', 'user', 'assistant']),
    content: z.string(),
  })
  .meta({ id: 'ChatMessage' });

export const ChatCompletionRequestSchema = z
  .looseObject({
    model: z.string().min(1).meta({ example: 'gpt-4o-mini' }),
    messages: z.array(ChatMessageSchema).min(1),
  })
  .meta({ id: 'ChatCompletionRequest' });
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequestSchema>;

export const ChatCompletionSchema = z
  .object({
    id: z.string().meta({ example: 'chatcmpl-3f1c0e9a2b7d4c51' }),
    object: z.literal('chat.completion'),
    created: z.number().int().meta({ description: 'Unix seconds' }),
    model: z.string(),
    choices: z
      .array(
        z
          .object({
            index: z.number().int().nonnegative(),
            message: z.object({ role: z.literal('assistant'), content: z.string(), refusal: z.null() }).strict(),
            logprobs: z.null(),
            finish_reason: z.literal('stop'),
          })
          .strict(),
      )
      .length(1),
    usage: z.object({ prompt_tokens: z.number().int().nonnegative(), completion_tokens: z.number().int().nonnegative(), total_tokens: z.number().int().nonnegative() }).strict(),
  })
  .strict()
  .meta({ id: 'ChatCompletion', description: 'Deterministic: the same messages give the same content' });
export type ChatCompletion = z.infer<typeof ChatCompletionSchema>;

/** OpenAI's error body (not the suite's ErrorBody: the official client reads this one). */
export const OpenAiErrorSchema = z
  .object({
    error: z
      .object({
        message: z.string(),
        type: z.string().meta({ example: 'invalid_request_error' }),
        param: z.string().nullable(),
        code: z.string().nullable().meta({ example: 'invalid_api_key' }),
      })
      .strict(),
  })
  .strict()
  .meta({ id: 'OpenAiError' });
export type OpenAiError = z.infer<typeof OpenAiErrorSchema>;

export const PROVIDER_MODES = ['normal', 'slow', 'rate-limit', 'error', 'down'] as const;
export type ProviderModeName = (typeof PROVIDER_MODES)[number];

export const ProviderModeSchema = z
  .object({
    mode: z.enum(PROVIDER_MODES).meta({
      description:
        'normal; slow (each answer after latencyMs); rate-limit (429 with Retry-After: retryAfterSeconds); error (500); down (every API connection is reset without an answer)',
    }),
    latencyMs: z.number().int().min(0).max(120_000).optional(),
    retryAfterSeconds: z.number().int().min(0).max(3600).optional(),
    times: z.number().int().positive().optional().meta({ description: 'The mode applies to this many API requests, then the stand-in is normal again; unset: until changed' }),
  })
  .strict()
  .meta({ id: 'ProviderMode' });
export type ProviderMode = z.infer<typeof ProviderModeSchema>;

export const KeyLogSchema = z
  .object({
    received: z.number().int().nonnegative().meta({ description: 'API requests that carried this key' }),
    completed: z.number().int().nonnegative().meta({ description: 'Completions computed for it (200 answers that were not replays)' }),
    replayed: z.number().int().nonnegative().meta({ description: 'Repeated requests answered with the stored completion (Idempotent-Replayed: true)' }),
    answers: z.array(z.object({ at: z.number().meta({ description: 'Unix ms when the answer was sent' }), status: z.union([z.number().int(), z.literal('reset')]) }).strict()),
  })
  .strict()
  .meta({ id: 'KeyLog' });
export type KeyLog = z.infer<typeof KeyLogSchema>;

export const RequestLogSchema = z
  .object({
    mode: ProviderModeSchema,
    totals: z.object({ received: z.number().int().nonnegative(), completed: z.number().int().nonnegative(), replayed: z.number().int().nonnegative() }).strict(),
    keys: z.record(z.string(), KeyLogSchema).meta({ description: 'By Idempotency-Key (requests without one are only in the totals)' }),
  })
  .strict()
  .meta({ id: 'RequestLog' });
export type RequestLog = z.infer<typeof RequestLogSchema>;

export const IDEMPOTENCY_HEADER = 'idempotency-key';

export const openAiStandInContract: ServiceContract = {
  service: 'openai-stand-in',
  title: 'OpenAI stand-in',
  description:
    "An in-cluster stand-in for OpenAI's chat completions API, for maya-sawa: deterministic answers, the bearer key checked against OPENAI_API_KEY, a completed request per Idempotency-Key computed once (a repeat is answered with the stored completion). With ENABLE_TEST_CONTROLS=true (the test overlay only), /test/* sets latency and failure modes and reads the requests it received.",
  defaultPort: 8090,
  requiredMetrics: ['openai_stand_in_requests_total', 'openai_stand_in_completions_total', 'process_resident_memory_bytes'],
  routes: {
    ...healthRoutes('health'),
    ...docsRoutes('docs'),
    completions: {
      method: 'post',
      path: '/v1/chat/completions',
      tags: ['openai'],
      summary: 'A chat completion: the assistant answers with a summary of the last user message',
      request: {
        headers: z.object({ authorization: z.string().meta({ example: 'Bearer sk-...' }), 'idempotency-key': z.string().optional() }),
        body: { content: { 'application/json': { schema: ChatCompletionRequestSchema } } },
      },
      responses: {
        200: jsonResponse('The completion', ChatCompletionSchema),
        400: jsonResponse("A body that breaks ChatCompletionRequest (OpenAI's error shape); a body that is not JSON at all gets the suite's ErrorBody, as on every route", z.union([OpenAiErrorSchema, ErrorBodySchema])),
        401: jsonResponse('No bearer key, or not the configured one', OpenAiErrorSchema),
        429: jsonResponse('Rate limited (test mode rate-limit); Retry-After says when to come back', OpenAiErrorSchema),
        500: jsonResponse('Server error (test mode error)', OpenAiErrorSchema),
      },
    },
    setMode: {
      method: 'put',
      path: '/test/mode',
      tags: ['test'],
      summary: 'Test only (ENABLE_TEST_CONTROLS=true): sets the latency or failure mode',
      request: { body: { required: true, content: { 'application/json': { schema: ProviderModeSchema } } } },
      responses: { 200: jsonResponse('The mode now in force', ProviderModeSchema), 400: errorResponse('Not a ProviderMode') },
    },
    requests: {
      method: 'get',
      path: '/test/requests',
      tags: ['test'],
      summary: 'Test only (ENABLE_TEST_CONTROLS=true): what the API received and answered, per Idempotency-Key',
      responses: { 200: jsonResponse('The request log', RequestLogSchema) },
    },
  },
};
