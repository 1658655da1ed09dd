import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startStandIn, TEST_API_KEY, type RunningStandIn } from '../../openai-stand-in/src/testing.js';
import { AiClient, AiError, retryAfterMs, type RetryPolicy } from './ai-client.js';
import { aiBackoffMs } from './queue.js';

// The client against the real stand-in on loopback (a real HTTP server): what it sends, how it waits, when it gives up.
const POLICY: RetryPolicy = { maxAttempts: 3, deadlineMs: 5_000, baseDelayMs: 100, maxDelayMs: 1_000 };
const TEXT = 'The cat saw the dog. The dog ran away.';

describe('AiClient, against the OpenAI stand-in on loopback', () => {
  let standIn: RunningStandIn;
  let keyCounter = 0;
  let key: string;
  const client = (apiKey = TEST_API_KEY, requestTimeoutMs = 1_000) =>
    new AiClient({ baseUrl: `${standIn.url}/v1`, apiKey, model: 'gpt-4o-mini', requestTimeoutMs }, { random: () => 0 });
  const answers = () => standIn.state.log().keys[key]?.answers ?? [];

  beforeAll(async () => {
    standIn = await startStandIn();
  });
  afterAll(() => standIn?.close());
  beforeEach(() => {
    key = `job-${(keyCounter += 1)}`;
    standIn.state.setMode({ mode: 'normal' });
  });

  it('summarises a text, sending the bearer key and the Idempotency-Key', async () => {
    const summary = await client().summarise(TEXT, { idempotencyKey: key, policy: POLICY });
    expect(summary).toEqual({ summary: 'Summary (9 words): The cat saw the dog The dog ran away', model: 'gpt-4o-mini', attempts: 1 });
    expect(standIn.state.log().keys[key]).toMatchObject({ received: 1, completed: 1 });
  });

  it('after a 429, retries when Retry-After says and no sooner (its own backoff would be 100 ms)', async () => {
    standIn.state.setMode({ mode: 'rate-limit', retryAfterSeconds: 1, times: 1 });
    const summary = await client().summarise(TEXT, { idempotencyKey: key, policy: POLICY });
    expect(summary.attempts).toBe(2);
    const [limited, done] = answers();
    expect([limited?.status, done?.status]).toEqual([429, 200]);
    const waited = done!.at - limited!.at;
    expect(waited, `retried ${waited} ms after the 429`).toBeGreaterThanOrEqual(1_000);
    expect(waited).toBeLessThan(1_600);
  });

  it('gives up at once, carrying Retry-After, when the provider asks to wait past the deadline', async () => {
    standIn.state.setMode({ mode: 'rate-limit', retryAfterSeconds: 30 });
    const started = Date.now();
    const error = await client().summarise(TEXT, { idempotencyKey: key, policy: POLICY }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AiError);
    expect(error).toMatchObject({ kind: 'unavailable', retryAfterMs: 30_000 });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(answers()).toHaveLength(1);
  });

  it('retries 500s with exponential backoff, the same Idempotency-Key on each attempt', async () => {
    standIn.state.setMode({ mode: 'error', times: 2 });
    const summary = await client().summarise(TEXT, { idempotencyKey: key, policy: POLICY });
    expect(summary.attempts).toBe(3);
    const times = answers().map((answer) => answer.at);
    expect(answers().map((answer) => answer.status)).toEqual([500, 500, 200]);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(100);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(200);
  });

  it('while the provider is down: unavailable after its attempts', async () => {
    standIn.state.setMode({ mode: 'down' });
    await expect(client().summarise(TEXT, { idempotencyKey: key, policy: POLICY })).rejects.toMatchObject({ kind: 'unavailable' });
    expect(answers().map((answer) => answer.status)).toEqual(['reset', 'reset', 'reset']);
  });

  it('times out an attempt slower than the request timeout, and the call within its deadline', async () => {
    standIn.state.setMode({ mode: 'slow', latencyMs: 2_000 });
    const started = Date.now();
    await expect(client(TEST_API_KEY, 300).summarise(TEXT, { idempotencyKey: key, policy: { ...POLICY, deadlineMs: 1_000 } })).rejects.toMatchObject({ kind: 'timeout' });
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('does not retry what the provider refused (a wrong key: 401)', async () => {
    await expect(client('sk-not-the-key-000').summarise(TEXT, { idempotencyKey: key, policy: POLICY })).rejects.toMatchObject({ kind: 'rejected' });
    expect(answers().map((answer) => answer.status)).toEqual([401]);
  });
});

describe('retry delays', () => {
  it('reads Retry-After as seconds or an HTTP date, and retry-after-ms', () => {
    expect(retryAfterMs(new Headers({ 'retry-after': '2' }))).toBe(2_000);
    expect(retryAfterMs(new Headers({ 'retry-after': new Date(10_000).toUTCString() }), 4_000)).toBe(6_000);
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' }))).toBe(250);
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(retryAfterMs(undefined)).toBeUndefined();
  });

  it("the queue's backoff between summarise attempts: exponential, capped at 5 s, never under the error's Retry-After", () => {
    expect([1, 2, 3, 4, 10].map((attempts) => aiBackoffMs(attempts, new Error('x'), () => 0))).toEqual([1_000, 2_000, 4_000, 5_000, 5_000]);
    expect(aiBackoffMs(1, new AiError('unavailable', '429', 12_000), () => 0)).toBe(12_000);
  });
});
