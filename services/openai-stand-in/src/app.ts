import { timingSafeEqual } from 'node:crypto';
import type { Express, IRouter, Request, Response } from 'express';
import { Counter } from 'prom-client';
import type { ErrorBody } from '../../../contracts/common.js';
import { ChatCompletionRequestSchema, IDEMPOTENCY_HEADER, ProviderModeSchema, type OpenAiError } from '../../../contracts/openai-stand-in.js';
import { addHealthRoutes, type HealthState } from '../../shared/src/health.js';
import { createServiceApp } from '../../shared/src/http-app.js';
import type { Logger } from '../../shared/src/logger.js';
import { createAppMetrics } from '../../shared/src/metrics.js';
import { complete } from './completion.js';
import type { ProviderState } from './provider-state.js';
import openapi from '../../../contracts/openapi/openai-stand-in.openapi.json' with { type: 'json' };

export interface StandInDeps {
  logger: Logger;
  health: HealthState;
  state: ProviderState;
  apiKey: string;
  testControls: boolean;
}

const openAiError = (message: string, type: string, code: string | null = null, param: string | null = null): OpenAiError => ({ error: { message, type, param, code } });

function bearerMatches(header: string | undefined, apiKey: string): boolean {
  const presented = Buffer.from(/^Bearer (.+)$/.exec(header ?? '')?.[1] ?? '');
  const expected = Buffer.from(apiKey);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function addCompletionRoute(router: IRouter, deps: StandInDeps, completions: Counter<'outcome'>): void {
  router.post('/v1/chat/completions', async (req: Request, res: Response) => {
    const key = req.get(IDEMPOTENCY_HEADER) || undefined;
    const verdict = deps.state.receive(key);
    if (verdict.kind === 'reset') {
      // "down": the connection is dropped without an answer, as when a provider's front end has no backend.
      deps.state.answered(key, 'reset');
      completions.inc({ outcome: 'reset' });
      req.socket.destroy();
      return;
    }
    if (!bearerMatches(req.get('authorization'), deps.apiKey)) {
      deps.state.answered(key, 401);
      res.status(401).json(openAiError('Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key'));
      return;
    }
    const parsed = ChatCompletionRequestSchema.safeParse(req.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      deps.state.answered(key, 400);
      res.status(400).json(openAiError(parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '), 'invalid_request_error', null, issue.path.join('.') || null));
      return;
    }
    if (verdict.kind === 'rate-limit') {
      deps.state.answered(key, 429);
      completions.inc({ outcome: 'rate_limited' });
      res
        .status(429)
        .set('retry-after', String(verdict.retryAfterSeconds))
        .json(openAiError(`Rate limit reached for requests. Please try again in ${verdict.retryAfterSeconds}s.`, 'requests', 'rate_limit_exceeded'));
      return;
    }
    if (verdict.kind === 'error') {
      deps.state.answered(key, 500);
      completions.inc({ outcome: 'error' });
      res.status(500).json(openAiError('The server had an error while processing your request.', 'server_error'));
      return;
    }
    if (verdict.delayMs > 0) await sleep(verdict.delayMs);
    const stored = deps.state.storedFor(key);
    const completion = stored ?? complete(parsed.data);
    deps.state.answered(key, 200, { completion, replay: stored !== undefined });
    completions.inc({ outcome: stored ? 'replayed' : 'completed' });
    if (stored) res.set('idempotent-replayed', 'true');
    res.json(completion);
  });
}

function addTestControlRoutes(router: IRouter, state: ProviderState): void {
  router.put('/test/mode', (req, res) => {
    const parsed = ProviderModeSchema.safeParse(req.body);
    if (!parsed.success) {
      const body: ErrorBody = { error: 'invalid_request', message: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') };
      res.status(400).json(body);
      return;
    }
    res.json(state.setMode(parsed.data));
  });
  router.get('/test/requests', (_req, res) => {
    res.json(state.log());
  });
}

/** The stand-in's app. Never listens: main.ts (or a test) starts it. */
export function createStandInApp(deps: StandInDeps): Express {
  const metrics = createAppMetrics('openai_stand_in');
  const completions = new Counter({
    name: 'openai_stand_in_completions_total',
    help: 'Chat completion requests by outcome (completed, replayed, rate_limited, error, reset)',
    labelNames: ['outcome'] as const,
    registers: [metrics.registry],
  });
  for (const outcome of ['completed', 'replayed', 'rate_limited', 'error', 'reset']) completions.inc({ outcome }, 0);
  return createServiceApp({
    openapi,
    logger: deps.logger,
    metrics,
    mountRoutes(app) {
      addHealthRoutes(app, deps.health, []);
      addCompletionRoute(app, deps, completions);
      if (deps.testControls) addTestControlRoutes(app, deps.state);
    },
  });
}
