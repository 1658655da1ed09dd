import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStandIn, TEST_API_KEY, type RunningStandIn } from '../services/openai-stand-in/src/testing.js';
import { ChatCompletionSchema, OpenAiErrorSchema, openAiStandInContract, RequestLogSchema } from './openai-stand-in.js';
import { ContractChecker, metricNames } from './testing/contract-checker.js';
import { expectServesItsContract } from './testing/docs-routes.js';

const json = (body: unknown) => ({ body: JSON.stringify(body), contentType: 'application/json' });
const REQUEST = { model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'Summarise.' }, { role: 'user', content: 'The cat saw the dog. The dog ran away!' }], temperature: 0 };
const authorised = (key?: string) => ({ ...json(REQUEST), headers: { authorization: `Bearer ${TEST_API_KEY}`, ...(key ? { 'idempotency-key': key } : {}) } });

describe('OpenAI stand-in contract, against the running service', () => {
  let standIn: RunningStandIn;
  let withoutControls: RunningStandIn;
  const api = new ContractChecker(openAiStandInContract, () => standIn.url);

  beforeAll(async () => {
    [standIn, withoutControls] = await Promise.all([startStandIn(), startStandIn({ testControls: false })]);
  });
  afterAll(async () => {
    await Promise.all([standIn?.close(), withoutControls?.close()]);
  });

  it('GET /health/live and /health/ready answer 200', async () => {
    expect((await api.request('GET', '/health/live')).body).toEqual({ status: 'ok' });
    expect((await api.request('GET', '/health/ready')).body).toEqual({ status: 'ready', checks: [] });
  });

  it('POST /v1/chat/completions answers deterministically, in the public API shape', async () => {
    const first = await api.request('POST', '/v1/chat/completions', authorised('key-a'));
    expect(first.status).toBe(200);
    const completion = ChatCompletionSchema.parse(first.body);
    expect(completion.choices[0]!.message.content).toBe('Summary (9 words): The cat saw the dog The dog ran away');
    expect(completion.usage.total_tokens).toBe(completion.usage.prompt_tokens + completion.usage.completion_tokens);
    const again = ChatCompletionSchema.parse((await api.request('POST', '/v1/chat/completions', authorised('key-b'))).body);
    expect(again.choices[0]!.message.content).toBe(completion.choices[0]!.message.content);
    expect(again.id).toBe(completion.id);
  });

  it('a repeated Idempotency-Key is answered with the stored completion, counted as a replay, not a completion', async () => {
    const replay = await api.request('POST', '/v1/chat/completions', authorised('key-a'));
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    const log = RequestLogSchema.parse((await api.request('GET', '/test/requests')).body);
    expect(log.keys['key-a']).toMatchObject({ received: 2, completed: 1, replayed: 1, answers: [{ status: 200 }, { status: 200 }] });
    expect(log.keys['key-b']).toMatchObject({ received: 1, completed: 1, replayed: 0 });
  });

  it('POST /v1/chat/completions answers 401 without the configured bearer key, 400 for a bad body (OpenAI error bodies)', async () => {
    for (const headers of [{}, { authorization: 'Bearer sk-wrong-key-0000000' }, { authorization: TEST_API_KEY }] as Record<string, string>[]) {
      const answer = await api.request('POST', '/v1/chat/completions', { ...json(REQUEST), headers });
      expect(answer.status, JSON.stringify(headers)).toBe(401);
      expect(OpenAiErrorSchema.parse(answer.body).error.code).toBe('invalid_api_key');
    }
    const invalid = await api.request('POST', '/v1/chat/completions', { ...json({ model: 'gpt-4o-mini', messages: [] }), headers: { authorization: `Bearer ${TEST_API_KEY}` } });
    expect(invalid.status).toBe(400);
    expect(OpenAiErrorSchema.parse(invalid.body).error).toMatchObject({ type: 'invalid_request_error', param: 'messages' });
  });

  it('PUT /test/mode: rate-limit answers 429 with Retry-After, error 500, for `times` requests, then normal again', async () => {
    expect((await api.request('PUT', '/test/mode', json({ mode: 'rate-limit', retryAfterSeconds: 7, times: 1 }))).body).toEqual({ mode: 'rate-limit', retryAfterSeconds: 7, times: 1 });
    const limited = await api.request('POST', '/v1/chat/completions', authorised('key-c'));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(OpenAiErrorSchema.parse(limited.body).error.code).toBe('rate_limit_exceeded');
    await api.request('PUT', '/test/mode', json({ mode: 'error', times: 1 }));
    expect((await api.request('POST', '/v1/chat/completions', authorised('key-c'))).status).toBe(500);
    expect((await api.request('POST', '/v1/chat/completions', authorised('key-c'))).status).toBe(200);
    const log = RequestLogSchema.parse((await api.request('GET', '/test/requests')).body);
    expect(log.keys['key-c']!.answers.map((answer) => answer.status)).toEqual([429, 500, 200]);
    expect(log.mode).toEqual({ mode: 'normal' });
  });

  it('PUT /test/mode: slow delays the answer, down resets the connection without an answer', async () => {
    await api.request('PUT', '/test/mode', json({ mode: 'slow', latencyMs: 300, times: 1 }));
    const started = Date.now();
    expect((await api.request('POST', '/v1/chat/completions', authorised())).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    await api.request('PUT', '/test/mode', json({ mode: 'down' }));
    await expect(fetch(`${standIn.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}`, 'idempotency-key': 'key-d' }, body: JSON.stringify(REQUEST) })).rejects.toThrow(/fetch failed/);
    await api.request('PUT', '/test/mode', json({ mode: 'normal' }));
    const log = RequestLogSchema.parse((await api.request('GET', '/test/requests')).body);
    expect(log.keys['key-d']).toMatchObject({ received: 1, completed: 0, answers: [{ status: 'reset' }] });
  });

  it('PUT /test/mode refuses what is not a mode (400); without ENABLE_TEST_CONTROLS the /test routes do not exist (404)', async () => {
    expect((await api.request('PUT', '/test/mode', json({ mode: 'sideways' }))).status).toBe(400);
    const off = api.at(() => withoutControls.url);
    expect((await off.request('GET', '/test/requests')).status).toBe(404);
    expect((await off.request('PUT', '/test/mode', json({ mode: 'down' }))).status).toBe(404);
    expect((await off.request('POST', '/v1/chat/completions', authorised())).status).toBe(200);
  });

  it('answers malformed JSON with 400 and unknown routes with a JSON 404; GET /metrics has the required metrics', async () => {
    // Before routing: the suite's ErrorBody, as on every service (GLOBAL_BEHAVIOUR).
    expect((await api.request('POST', '/health/ready', { body: '{oops', contentType: 'application/json' })).status).toBe(400);
    expect((await api.request('GET', '/v1/models')).status).toBe(404);
    const { text } = await api.request('GET', '/metrics');
    for (const name of openAiStandInContract.requiredMetrics) expect(metricNames(text), name).toContain(name);
    expect(text).toMatch(/^openai_stand_in_completions_total\{outcome="replayed"\} 1$/m);
  });

  it('GET /health/ready answers 503 once shutdown begins; liveness stays 200', async () => {
    standIn.health.beginShutdown();
    expect((await api.request('GET', '/health/ready')).status).toBe(503);
    expect((await api.request('GET', '/health/live')).status).toBe(200);
  });

  it('GET /openapi.json serves this contract and GET /docs the reference page rendered from it', () => expectServesItsContract(api, openAiStandInContract));

  it('every documented response was exercised', () => {
    api.expectEverythingCovered();
  });
});
