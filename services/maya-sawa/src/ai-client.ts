import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';

export interface AiConfig {
  /** e.g. http://openai-stand-in:8090/v1, or https://api.openai.com/v1. */
  baseUrl: string;
  apiKey: string;
  model: string;
  /** The deadline of one HTTP attempt. */
  requestTimeoutMs: number;
}

/** How one call retries: attempts, an overall deadline, exponential backoff (jittered) between attempts. */
export interface RetryPolicy {
  maxAttempts: number;
  deadlineMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * Why a call failed. `unavailable`: the provider could not answer (refused, reset, 429, 5xx); `timeout`: it did not
 * answer in time; `rejected`: it refused the request itself (400, 401, 403, 404: retrying cannot help).
 */
export type AiFailureKind = 'unavailable' | 'timeout' | 'rejected';

export class AiError extends Error {
  override name = 'AiError';
  constructor(
    readonly kind: AiFailureKind,
    message: string,
    /** What the provider's Retry-After asked for, if it said. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
  get retryable(): boolean {
    return this.kind !== 'rejected';
  }
}

export interface Summary {
  summary: string;
  model: string;
  /** HTTP attempts this call made. */
  attempts: number;
}

/** Retry-After (seconds or an HTTP date) or retry-after-ms, in milliseconds; undefined when absent or unreadable. */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  const ms = headers?.get('retry-after-ms');
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = headers?.get('retry-after');
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function classify(error: unknown): AiError {
  if (error instanceof AiError) return error;
  if (error instanceof APIConnectionTimeoutError) return new AiError('timeout', 'the AI provider did not answer in time');
  if (error instanceof APIConnectionError) return new AiError('unavailable', `the AI provider could not be reached: ${error.message}`);
  if (error instanceof APIError && error.status !== undefined) {
    const after = retryAfterMs(error.headers);
    if (error.status === 429) return new AiError('unavailable', `the AI provider is rate limiting (429)${after === undefined ? '' : `, retry after ${after / 1000} s`}`, after);
    if (error.status >= 500 || error.status === 408 || error.status === 409) return new AiError('unavailable', `the AI provider failed (${error.status})`, after);
    return new AiError('rejected', `the AI provider rejected the request (${error.status}): ${error.message}`);
  }
  return new AiError('unavailable', `the AI call failed: ${error instanceof Error ? error.message : String(error)}`);
}

export interface AiClientOptions {
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Summarises texts with the provider's chat completions API (the official OpenAI client, which makes one HTTP attempt
 * per call here): timeouts per attempt, retries of what can succeed later, each after the jittered backoff or the
 * provider's Retry-After, whichever is later (never sooner than Retry-After), within an overall deadline. Every
 * attempt carries the same Idempotency-Key, so an idempotent provider computes the answer once.
 */
export class AiClient {
  private readonly openai: OpenAI;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(
    private readonly config: AiConfig,
    options: AiClientOptions = {},
  ) {
    this.openai = new OpenAI({ apiKey: config.apiKey, baseURL: config.baseUrl, maxRetries: 0, timeout: config.requestTimeoutMs });
    this.sleep = options.sleep ?? realSleep;
    this.random = options.random ?? Math.random;
  }

  /** The delay before retry `attempt` + 1: exponential, capped, up to 25 % less (jitter), never under Retry-After. */
  delayBefore(attempt: number, policy: RetryPolicy, retryAfter: number | undefined): number {
    const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1)) * (1 - this.random() * 0.25);
    return Math.max(Math.round(backoff), retryAfter ?? 0);
  }

  async summarise(text: string, options: { idempotencyKey: string; policy: RetryPolicy }): Promise<Summary> {
    const { policy, idempotencyKey } = options;
    const deadline = Date.now() + policy.deadlineMs;
    for (let attempt = 1; ; attempt += 1) {
      const remaining = deadline - Date.now();
      try {
        if (remaining <= 0) throw new AiError('timeout', `no answer from the AI provider within ${policy.deadlineMs / 1000} s`);
        const completion = await this.openai.chat.completions.create(
          {
            model: this.config.model,
            messages: [
              { role: 'system', content: 'Summarise the text in one sentence.' },
              { role: 'user', content: text },
            ],
          },
          { headers: { 'Idempotency-Key': idempotencyKey }, timeout: Math.min(this.config.requestTimeoutMs, remaining) },
        );
        return { summary: completion.choices[0]?.message.content ?? '', model: completion.model, attempts: attempt };
      } catch (error) {
        const failure = classify(error);
        if (!failure.retryable || attempt >= policy.maxAttempts) throw failure;
        const wait = this.delayBefore(attempt, policy, failure.retryAfterMs);
        // Waiting past the deadline would only fail later: say so now, with what the provider asked for.
        if (Date.now() + wait >= deadline) throw failure;
        await this.sleep(wait);
      }
    }
  }
}
