import express, { Router, type Express } from 'express';
import { Counter } from 'prom-client';
import type { ErrorBody, LiveOk } from '../../../contracts/common.js';
import { ListJobsQuerySchema, SubmitJobRequestSchema, type JobList, type WebInfo } from '../../../contracts/maya-sawa.js';
import openapi from '../../../contracts/openapi/maya-sawa.openapi.json' with { type: 'json' };
import type { ServiceIdentity } from '../../shared/src/config.js';
import { evaluateReadiness, type HealthState } from '../../shared/src/health.js';
import { createServiceApp } from '../../shared/src/http-app.js';
import type { Logger } from '../../shared/src/logger.js';
import { createAppMetrics, type MetricsLocals } from '../../shared/src/metrics.js';
import { redisReadinessCheck, type Redis } from '../../shared/src/redis.js';
import type { Pool } from './db.js';
import type { JobsRepository } from './jobs-repository.js';
import type { JobMessage } from './queue.js';
import { databaseCheck, schemaCheck, staticCheck } from './readiness.js';

/** The part of a BullMQ Queue web uses (a fake in tests can stand in). */
export interface JobQueue {
  add(name: string, data: JobMessage, options: { jobId: string }): Promise<unknown>;
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
}

const errorBody = (error: string, message: string): ErrorBody => ({ error, message });

function jobsRouter(deps: WebDeps, submitted: Counter): Router {
  const router = Router();
  router.post('/api/jobs', async (req, res) => {
    const parsed = SubmitJobRequestSchema.safeParse(req.body);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`);
      res.status(400).json(errorBody('invalid_request', problems.join('; ')));
      return;
    }
    const job = await deps.jobs.create(parsed.data.text);
    try {
      await deps.queue.add('analyse', { jobId: job.id }, { jobId: job.id });
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
  return router;
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
      app.use(jobsRouter(deps, submitted));
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
