import { randomUUID } from 'node:crypto';
import type { JobsOptions } from 'bullmq';
import express, { type Express, type IRouter } from 'express';
import { Counter } from 'prom-client';
import type { ErrorBody, LiveOk } from '../../../contracts/common.js';
import { ListJobsQuerySchema, SubmitJobRequestSchema, SummariseRequestSchema, type JobList, type SummaryAnswer, type WebInfo } from '../../../contracts/maya-sawa.js';
import openapi from '../../../contracts/openapi/maya-sawa.openapi.json' with { type: 'json' };
import type { ServiceIdentity } from '../../shared/src/config.js';
import { evaluateReadiness, type HealthState } from '../../shared/src/health.js';
import { createServiceApp } from '../../shared/src/http-app.js';
import type { Logger } from '../../shared/src/logger.js';
import { createAppMetrics, type MetricsLocals } from '../../shared/src/metrics.js';
import { redisReadinessCheck, type Redis } from '../../shared/src/redis.js';
import { AiError, type RetryPolicy, type Summary } from './ai-client.js';
import type { Pool } from './db.js';
import type { JobsRepository } from './jobs-repository.js';
import { jobOptions, type JobMessage } from './queue.js';
import { databaseCheck, schemaCheck, staticCheck } from './readiness.js';

/** The part of a BullMQ Queue web uses (a fake in tests can stand in). */
export interface JobQueue {
  add(name: string, data: JobMessage, options: JobsOptions): Promise<unknown>;
}

/** The part of the AI client web's synchronous summary uses (AiClient). */
export interface SyncSummariser {
  summarise(text: string, options: { idempotencyKey: string; policy: RetryPolicy }): Promise<Summary>;
}

export interface WebDeps {
  identity: ServiceIdentity;
  logger: Logger;
  pool: Pool;
  redis: Redis;
  queue: JobQueue;
  jobs: JobsRepository;
  health: HealthState;
  staticDir: string;
  /** What web found at startup (schema, static build), served at /api/info. */
  startup: Pick<WebInfo, 'schema' | 'staticAssets'>;
  redisPingTimeoutMs: number;
  ai: SyncSummariser;
  /** The synchronous summary's whole budget, retries included. */
  aiSyncTimeoutMs: number;
}

const errorBody = (error: string, message: string): ErrorBody => ({ error, message });

const problemsOf = (issues: readonly { path: PropertyKey[]; message: string }[]) => issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ');

/** What web answers when the provider failed: 504 timed out, 503 unavailable (Retry-After when it said), 502 refused. */
const AI_FAILURE_ANSWERS = {
  timeout: { status: 504, error: 'ai_timeout' },
  unavailable: { status: 503, error: 'ai_unavailable' },
  rejected: { status: 502, error: 'ai_rejected' },
} as const;

function addSummaryRoute(router: IRouter, deps: WebDeps): void {
  const policy = (): RetryPolicy => ({ maxAttempts: 3, deadlineMs: deps.aiSyncTimeoutMs, baseDelayMs: 250, maxDelayMs: 2_000 });
  router.post('/api/summaries', async (req, res) => {
    const parsed = SummariseRequestSchema.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json(errorBody('invalid_request', problemsOf(parsed.error.issues)));
      return;
    }
    try {
      const answer: SummaryAnswer = await deps.ai.summarise(parsed.data.text, { idempotencyKey: randomUUID(), policy: policy() });
      res.json(answer);
    } catch (error) {
      const failure = error instanceof AiError ? error : new AiError('unavailable', 'the AI call failed');
      const { status, error: code } = AI_FAILURE_ANSWERS[failure.kind];
      if (failure.retryAfterMs !== undefined) res.set('retry-after', String(Math.ceil(failure.retryAfterMs / 1000)));
      deps.logger.warn({ kind: failure.kind, err: failure.message }, 'synchronous summary failed');
      res.status(status).json(errorBody(code, failure.message));
    }
  });
}

function addJobRoutes(router: IRouter, deps: WebDeps, submitted: Counter): void {
  router.post('/api/jobs', async (req, res) => {
    const parsed = SubmitJobRequestSchema.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json(errorBody('invalid_request', problemsOf(parsed.error.issues)));
      return;
    }
    const job = await deps.jobs.create(parsed.data.text, parsed.data.kind);
    try {
      await deps.queue.add(job.kind, { jobId: job.id }, jobOptions(job.kind, job.id));
    } catch (error) {
      await deps.jobs.fail(job.id, 'could not be queued');
      deps.logger.error({ jobId: job.id, err: (error as Error).message }, 'queueing a job failed');
      res.status(503).json(errorBody('queue_unavailable', 'The job queue is unavailable; try again later'));
      return;
    }
    submitted.inc();
    res.status(202).json(job);
  });
  router.get('/api/jobs', async (req, res) => {
    const query = ListJobsQuerySchema.safeParse(req.query);
    if (!query.success) {
      res.status(400).json(errorBody('invalid_request', 'limit must be an integer from 1 to 100'));
      return;
    }
    const body: JobList = { jobs: await deps.jobs.recent(query.data.limit) };
    res.json(body);
  });
  router.get('/api/jobs/:id', async (req, res) => {
    const job = await deps.jobs.get(req.params.id);
    if (!job) {
      res.status(404).json(errorBody('not_found', `No job ${req.params.id}`));
      return;
    }
    res.json(job);
  });
}

/** maya-sawa's web app. Never listens: web.ts (or a test) starts it. */
export function createWebApp(deps: WebDeps): Express {
  const metrics = createAppMetrics('maya_sawa_web');
  const submitted = new Counter({ name: 'maya_sawa_jobs_submitted_total', help: 'Jobs accepted onto the maya_v2 queue', registers: [metrics.registry] });
  const checks = [databaseCheck(deps.pool), schemaCheck(deps.pool), staticCheck(deps.staticDir), redisReadinessCheck(deps.redis, deps.redisPingTimeoutMs)];

  return createServiceApp({
    logger: deps.logger,
    metrics,
    openapi,
    mountRoutes(app) {
      app.get('/healthz', async (_req, res) => {
        const answer = await evaluateReadiness(deps.health, checks);
        res.status(answer.ready ? 200 : 503).json(answer.body);
      });
      app.get('/healthz/live', (_req, res) => {
        const body: LiveOk = { status: 'ok' };
        res.json(body);
      });
      addJobRoutes(app, deps, submitted);
      addSummaryRoute(app, deps);
      app.get('/api/info', (_req, res) => {
        const body: WebInfo = {
          service: 'maya-sawa-web',
          version: deps.identity.version,
          pod: deps.identity.pod,
          startedAt: deps.identity.startedAt.toISOString(),
          ...deps.startup,
        };
        res.json(body);
      });
      app.use(
        '/static',
        (_req, res, next) => {
          (res.locals as MetricsLocals).metricsEndpoint = '/static';
          next();
        },
        // /static/ is the page; no redirect adds a slash to a directory path (one JSON 404 for what is not a file).
        express.static(deps.staticDir, { index: 'index.html', fallthrough: true, dotfiles: 'ignore', redirect: false }),
      );
    },
  });
}
