import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StartedPostgreSqlContainer } from '@testcontainers/postgresql';
import type { StartedRedisContainer } from '@testcontainers/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres } from '../harness/postgres.js';
import { startRedis } from '../harness/redis.js';
import { createPool } from '../services/maya-sawa/src/db.js';
import { migrate } from '../services/maya-sawa/src/migrator.js';
import { collectStatic } from '../services/maya-sawa/src/static-assets.js';
import { startQueueWorker, startWeb, type AiEndpoint, type RunningWeb } from '../services/maya-sawa/src/testing.js';
import { startStandIn, TEST_API_KEY, type RunningStandIn } from '../services/openai-stand-in/src/testing.js';
import { eventually } from '../services/shared/src/testing/helpers.js';
import { NotReadySchema } from './common.js';
import { JOB_TEXT_MAX_LENGTH, JSON_BODY_LIMIT_BYTES, worstCaseJsonStringBytes } from './limits.js';
import { JobListSchema, JobSchema, mayaSawaContract, SummaryAnswerSchema, WebInfoSchema } from './maya-sawa.js';
import { ContractChecker, metricNames } from './testing/contract-checker.js';
import { expectServesItsContract } from './testing/docs-routes.js';

describe('maya-sawa web contract, against the running service, a real PostgreSQL and a real Redis', () => {
  let postgres: StartedPostgreSqlContainer;
  let redis: StartedRedisContainer;
  let staticDir: string;
  let web: RunningWeb;
  let standIn: RunningStandIn;
  let ai: AiEndpoint;
  const api = new ContractChecker(mayaSawaContract, () => web.url);
  const json = (body: unknown) => ({ body: JSON.stringify(body), contentType: 'application/json' });

  beforeAll(async () => {
    [postgres, redis, standIn] = await Promise.all([startPostgres(), startRedis(), startStandIn()]);
    ai = { baseUrl: `${standIn.url}/v1`, apiKey: TEST_API_KEY };
    staticDir = await mkdtemp(join(tmpdir(), 'maya-static-'));
    // Started before migrate and collectstatic have run: what a web container would see without its init containers.
    web = await startWeb({ databaseUrl: postgres.getConnectionUri(), redisUrl: redis.getConnectionUrl(), staticDir, ai, aiSyncTimeoutMs: 1_500 });
  });
  afterAll(async () => {
    await web?.close();
    await standIn?.close();
    await Promise.all([postgres?.stop(), redis?.stop().catch(() => undefined)]);
    if (staticDir) await rm(staticDir, { recursive: true, force: true });
  });

  it('GET /healthz refuses readiness while the schema is behind and the static assets are missing; liveness stays 200', async () => {
    const ready = await api.request('GET', '/healthz');
    expect(ready.status).toBe(503);
    const reasons = NotReadySchema.parse(ready.body).reasons;
    expect(reasons).toEqual([
      expect.stringMatching(/^schema: schema version 0 is behind the required 3$/),
      expect.stringMatching(/^static: static assets missing in /),
    ]);
    expect((await api.request('GET', '/healthz/live')).body).toEqual({ status: 'ok' });
    expect((await api.request('GET', '/static/')).status, 'the page before collectstatic').toBe(404);
  });

  it('GET /healthz answers 200 once migrate and collectstatic have run', async () => {
    const pool = createPool({ url: postgres.getConnectionUri() });
    await migrate(pool).finally(() => pool.end());
    expect(NotReadySchema.parse((await api.request('GET', '/healthz')).body).reasons).toEqual([expect.stringMatching(/^static: /)]);
    await collectStatic(staticDir, '0.1.0');
    const ready = await api.request('GET', '/healthz');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ready', checks: [{ name: 'postgres' }, { name: 'schema' }, { name: 'static' }, { name: 'redis' }] });
  });

  it('POST /api/jobs queues a job that the worker processes; GET /api/jobs/{id} shows its result and worker', async () => {
    const worker = await startQueueWorker({ databaseUrl: postgres.getConnectionUri(), redisUrl: redis.getConnectionUrl(), pod: 'worker-pod-a', ai });
    try {
      const submitted = await api.request('POST', '/api/jobs', { body: JSON.stringify({ text: 'the cat and the hat' }), contentType: 'application/json' });
      expect(submitted.status).toBe(202);
      const job = JobSchema.parse(submitted.body);
      expect(job).toMatchObject({ kind: 'analyse', status: 'queued', textLength: 19, result: null, summary: null, workerPod: null });
      const done = await eventually(
        async () => JobSchema.parse((await api.request('GET', `/api/jobs/${job.id}`)).body),
        (current) => current.status === 'done',
      );
      expect(done.result).toMatchObject({ words: 5, uniqueWords: 4, topWords: [{ word: 'the', count: 2 }, { word: 'and', count: 1 }, { word: 'cat', count: 1 }, { word: 'hat', count: 1 }] });
      expect(done.workerPod).toBe('worker-pod-a');
      expect(Date.parse(done.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(done.submittedAt));
    } finally {
      await worker.close();
    }
  });

  it('POST /api/jobs with kind summarise: the worker has the provider summarise it, once, keyed by the job id', async () => {
    const worker = await startQueueWorker({ databaseUrl: postgres.getConnectionUri(), redisUrl: redis.getConnectionUrl(), pod: 'worker-pod-b', ai });
    try {
      standIn.state.setMode({ mode: 'error', times: 1 }); // one 500 first: retried, still one completion
      const submitted = await api.request('POST', '/api/jobs', json({ text: 'the cat and the hat', kind: 'summarise' }));
      expect(submitted.status).toBe(202);
      const job = JobSchema.parse(submitted.body);
      expect(job).toMatchObject({ kind: 'summarise', status: 'queued', summary: null });
      const done = await eventually(
        async () => JobSchema.parse((await api.request('GET', `/api/jobs/${job.id}`)).body),
        (current) => current.status === 'done',
      );
      expect(done).toMatchObject({ result: null, summary: { summary: 'Summary (5 words): the cat and the hat', model: 'gpt-4o-mini' }, workerPod: 'worker-pod-b' });
      expect(standIn.state.log().keys[job.id]).toMatchObject({ completed: 1, replayed: 0, answers: [{ status: 500 }, { status: 200 }] });
    } finally {
      await worker.close();
    }
  });

  it('POST /api/summaries answers the summary synchronously; 400 for a bad body', async () => {
    const answer = await api.request('POST', '/api/summaries', json({ text: 'one two three' }));
    expect(SummaryAnswerSchema.parse(answer.body)).toEqual({ summary: 'Summary (3 words): one two three', model: 'gpt-4o-mini', attempts: 1 });
    for (const body of [{}, { text: '' }, { text: 'x', kind: 'summarise' }]) expect((await api.request('POST', '/api/summaries', json(body))).status, JSON.stringify(body)).toBe(400);
  });

  it('POST /api/summaries while the provider is down answers 503, too slow 504, refusing our key 502 (JSON bodies); readiness stays 200', async () => {
    standIn.state.setMode({ mode: 'down' });
    const down = await api.request('POST', '/api/summaries', json({ text: 'one two three' }));
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ error: 'ai_unavailable', message: expect.stringMatching(/could not be reached/) });
    expect((await api.request('GET', '/healthz')).status, 'readiness does not depend on the AI provider').toBe(200);
    standIn.state.setMode({ mode: 'rate-limit', retryAfterSeconds: 30, times: 1 });
    const limited = await api.request('POST', '/api/summaries', json({ text: 'one two three' }));
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([503, '30']);
    standIn.state.setMode({ mode: 'slow', latencyMs: 2_500 });
    const slow = await api.request('POST', '/api/summaries', json({ text: 'one two three' }));
    expect(slow.status).toBe(504);
    expect(slow.body).toMatchObject({ error: 'ai_timeout' });
    standIn.state.setMode({ mode: 'normal' });
    const wrongKey = await startWeb({ databaseUrl: postgres.getConnectionUri(), redisUrl: redis.getConnectionUrl(), staticDir, ai: { ...ai, apiKey: 'sk-not-the-key-000' } });
    try {
      const refused = await api.at(() => wrongKey.url).request('POST', '/api/summaries', json({ text: 'one two three' }));
      expect(refused.status).toBe(502);
      expect(refused.body).toMatchObject({ error: 'ai_rejected', message: expect.stringMatching(/\(401\)/) });
    } finally {
      await wrongKey.close();
    }
  });

  it('POST /api/jobs answers invalid input with a 400 naming the problem', async () => {
    for (const body of ['{}', '{"text": ""}', '{"text": 42}', '{"text": "ok", "extra": 1}', '[]']) {
      const answer = await api.request('POST', '/api/jobs', { body, contentType: 'application/json' });
      expect(answer.status, body).toBe(400);
      expect(answer.body, body).toMatchObject({ error: 'invalid_request', message: expect.any(String) });
    }
    const nul = await api.request('POST', '/api/jobs', { body: JSON.stringify({ text: 'a\u0000b' }), contentType: 'application/json' });
    expect(nul.status, 'a text with NUL, which PostgreSQL cannot store').toBe(400);
    expect(nul.body).toMatchObject({ error: 'invalid_request', message: expect.stringContaining('NUL') });
    const malformed = await api.request('POST', '/api/jobs', { body: '{"text": "x', contentType: 'application/json' });
    expect(malformed.body).toMatchObject({ error: 'malformed_json' });
    // A malformed body is refused on any route, before routing (GLOBAL_BEHAVIOUR).
    expect((await api.request('POST', '/api/info', { body: '{', contentType: 'application/json' })).status).toBe(400);
  });

  it('POST /api/jobs takes the longest text in its longest spelling; one character more answers 400, one byte more 413', async () => {
    // Every character a \\uXXXX escape: the most bytes JSON spends on a text (6 per UTF-16 unit).
    const escaped = (length: number) => `{"text":"${'\\u00e9'.repeat(length)}"}`;
    const longest = escaped(JOB_TEXT_MAX_LENGTH);
    expect(Buffer.byteLength(longest)).toBe(worstCaseJsonStringBytes(JOB_TEXT_MAX_LENGTH) + '{"text":}'.length);
    const accepted = await api.request('POST', '/api/jobs', { body: longest, contentType: 'application/json' });
    expect(accepted.status).toBe(202);
    expect(JobSchema.parse(accepted.body).textLength).toBe(JOB_TEXT_MAX_LENGTH);
    const padded = `${longest}${' '.repeat(JSON_BODY_LIMIT_BYTES - Buffer.byteLength(longest))}`;
    expect((await api.request('POST', '/api/jobs', { body: padded, contentType: 'application/json' })).status, 'a body of exactly the limit').toBe(202);
    const tooLong = await api.request('POST', '/api/jobs', { body: escaped(JOB_TEXT_MAX_LENGTH + 1), contentType: 'application/json' });
    expect(tooLong.status).toBe(400);
    const overLimit = await api.request('POST', '/api/jobs', { body: `${padded} `, contentType: 'application/json' });
    expect(overLimit.status).toBe(413);
    expect(overLimit.body).toMatchObject({ error: 'payload_too_large' });
  });

  it('GET /api/jobs lists recent jobs, newest first, and validates limit', async () => {
    await api.request('POST', '/api/jobs', { body: JSON.stringify({ text: 'second job' }), contentType: 'application/json' });
    const list = JobListSchema.parse((await api.request('GET', '/api/jobs?limit=10')).body);
    expect(list.jobs.map((job) => [job.kind, job.textLength])).toEqual([['analyse', 10], ['analyse', JOB_TEXT_MAX_LENGTH], ['analyse', JOB_TEXT_MAX_LENGTH], ['summarise', 19], ['analyse', 19]]);
    expect(JobListSchema.parse((await api.request('GET', '/api/jobs?limit=1')).body).jobs).toHaveLength(1);
    expect(JobListSchema.parse((await api.request('GET', '/api/jobs?limit=100')).body).jobs).toHaveLength(5);
    for (const limit of ['0', '101', 'abc', '1.5', '']) expect((await api.request('GET', `/api/jobs?limit=${limit}`)).status, limit).toBe(400);
  });

  it('GET /api/jobs/{id} answers 404 for unknown jobs and non-ids', async () => {
    expect((await api.request('GET', '/api/jobs/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await api.request('GET', '/api/jobs/not-a-uuid')).status).toBe(404);
  });

  it('GET /api/info reports what web found at startup (nothing: it started before the init steps)', async () => {
    const info = WebInfoSchema.parse((await api.request('GET', '/api/info')).body);
    expect(info).toMatchObject({ service: 'maya-sawa-web', schema: { version: 0, required: 3, migrations: [], runs: [] }, staticAssets: null });
  });

  it('GET /api/info of a web started after the init steps shows the migrations and the static build', async () => {
    const later = await startWeb({ databaseUrl: postgres.getConnectionUri(), redisUrl: redis.getConnectionUrl(), staticDir, ai });
    try {
      const info = WebInfoSchema.parse((await api.at(() => later.url).request('GET', '/api/info')).body);
      expect(info.schema.migrations.map((m) => m.name)).toEqual(['0001_create_jobs', '0002_jobs_worker_pod', '0003_jobs_kind_summary']);
      expect(info.schema.runs.map(({ ranBy, applied }) => ({ ranBy, applied }))).toEqual([{ ranBy: 'unknown', applied: info.schema.migrations.map((m) => m.name) }]);
      expect(info.staticAssets?.files).toBe(3);
      expect(Date.parse(info.staticAssets!.manifestMtime)).toBeLessThanOrEqual(Date.parse(info.startedAt));
      expect(Date.parse(info.schema.migrations[2]!.appliedAt)).toBeLessThanOrEqual(Date.parse(info.startedAt));
    } finally {
      await later.close();
    }
  });

  it('GET /static/{file} serves the built assets, 404 for others', async () => {
    const page = await api.request('GET', '/static/index.html');
    expect(page.status).toBe(200);
    expect((await api.request('GET', '/static/')).text, 'the page at /static/').toBe(page.text);
    expect((await api.request('GET', '/static')).status, 'no redirect to /static/').toBe(404);
    expect(page.text).toMatch(/<script type="module" src="\/static\/app\.[0-9a-f]{10}\.js">/);
    const script = /src="(\/static\/app\.[0-9a-f]{10}\.js)"/.exec(page.text)![1]!;
    const served = await fetch(`${web.url}${script}`);
    expect(served.status).toBe(200);
    expect(await served.text()).toContain("fetch('/api/jobs?limit=20')");
    expect((await api.request('GET', '/static/nope.css')).status).toBe(404);
    expect((await api.request('GET', '/nope')).status).toBe(404);
  });

  it('GET /metrics serves Prometheus text with the required metrics', async () => {
    const { text } = await api.request('GET', '/metrics');
    const names = metricNames(text);
    for (const name of mayaSawaContract.requiredMetrics) expect(names, name).toContain(name);
    expect(text).toMatch(/^maya_sawa_jobs_submitted_total 5$/m);
  });

  it('when Redis stops: POST /api/jobs answers 503, the job is recorded as failed, readiness names Redis', async () => {
    await redis.stop();
    const answer = await api.request('POST', '/api/jobs', { body: JSON.stringify({ text: 'no queue' }), contentType: 'application/json' });
    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({ error: 'queue_unavailable' });
    const newest = JobListSchema.parse((await api.request('GET', '/api/jobs?limit=1')).body).jobs[0]!;
    expect(newest).toMatchObject({ status: 'failed', textLength: 8, error: 'could not be queued' });
    expect(NotReadySchema.parse((await api.request('GET', '/healthz')).body).reasons).toEqual([expect.stringMatching(/^redis: /)]);
  });

  it('GET /openapi.json serves this contract and GET /docs the reference page rendered from it', () => expectServesItsContract(api, mayaSawaContract));

  it('every documented response was exercised', () => {
    api.expectEverythingCovered();
  });
});
