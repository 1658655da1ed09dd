import { z } from 'zod';
import { JOB_TEXT_MAX_LENGTH } from './limits.js';
import { docsRoutes, errorResponse, healthRoutes, jsonResponse, LiveOkSchema, NotReadySchema, orNull, ReadySchema, type ServiceContract } from './common.js';

export const JOB_KINDS = ['analyse', 'summarise'] as const;
export const JobKindSchema = z.enum(JOB_KINDS).meta({ id: 'JobKind', description: 'analyse: word and line counts; summarise: a summary from the AI provider' });
export type JobKind = z.infer<typeof JobKindSchema>;

export const SubmitJobRequestSchema = z
  .object({
    text: z
      .string()
      .min(1)
      .max(JOB_TEXT_MAX_LENGTH)
      // PostgreSQL's text cannot hold U+0000 (error 22021): refused with a 400, rather than stored altered.
      .regex(/^[^\u0000]*$/, { error: 'must not contain the NUL character (\\u0000)' })
      .meta({ description: 'The text to analyse or summarise (any characters but NUL)', example: 'The cat saw the dog.' }),
    kind: JobKindSchema.default('analyse'),
  })
  .strict()
  .meta({ id: 'SubmitJobRequest' });
export type SubmitJobRequest = z.infer<typeof SubmitJobRequestSchema>;

export const JobStatusSchema = z.enum(['queued', 'processing', 'done', 'failed']).meta({ id: 'JobStatus' });
export type JobStatus = z.infer<typeof JobStatusSchema>;

export const JobResultSchema = z
  .object({
    characters: z.number().int().nonnegative(),
    lines: z.number().int().nonnegative(),
    words: z.number().int().nonnegative(),
    uniqueWords: z.number().int().nonnegative(),
    topWords: z.array(z.object({ word: z.string(), count: z.number().int().positive() }).strict()).max(5),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict()
  .meta({ id: 'JobResult', description: 'Word and line counts and a SHA-256 of the submitted text' });
export type JobResult = z.infer<typeof JobResultSchema>;

export const SummarySchema = z
  .object({ summary: z.string(), model: z.string() })
  .strict()
  .meta({ id: 'Summary', description: "The AI provider's summary of the text" });
export type Summary = z.infer<typeof SummarySchema>;

export const SummariseRequestSchema = z
  .object({ text: z.string().min(1).max(JOB_TEXT_MAX_LENGTH).meta({ description: 'The text to summarise', example: 'The cat saw the dog.' }) })
  .strict()
  .meta({ id: 'SummariseRequest' });

export const SummaryAnswerSchema = z
  .object({ summary: z.string(), model: z.string(), attempts: z.number().int().positive().meta({ description: 'HTTP attempts it took' }) })
  .strict()
  .meta({ id: 'SummaryAnswer' });
export type SummaryAnswer = z.infer<typeof SummaryAnswerSchema>;

export const JobSchema = z
  .object({
    id: z.uuid(),
    kind: JobKindSchema,
    status: JobStatusSchema,
    textLength: z.number().int().positive().meta({ description: 'Characters submitted' }),
    submittedAt: z.iso.datetime(),
    startedAt: orNull(z.iso.datetime()),
    finishedAt: orNull(z.iso.datetime()),
    result: orNull(JobResultSchema).meta({ description: 'An analyse job: null until the worker has processed it' }),
    summary: orNull(SummarySchema).meta({ description: 'A summarise job: null until the worker has processed it' }),
    error: z.string().nullable(),
    workerPod: z.string().nullable().meta({ description: 'The worker pod that processed the job' }),
  })
  .strict()
  .meta({ id: 'Job' });
export type Job = z.infer<typeof JobSchema>;

export const JobListSchema = z.object({ jobs: z.array(JobSchema) }).strict().meta({ id: 'JobList', description: 'Newest first' });
export type JobList = z.infer<typeof JobListSchema>;

export const WebInfoSchema = z
  .object({
    service: z.literal('maya-sawa-web'),
    version: z.string(),
    pod: z.string(),
    startedAt: z.iso.datetime().meta({ description: 'When this web process started' }),
    schema: z
      .object({
        version: z.number().int().nonnegative(),
        required: z.number().int().positive(),
        migrations: z.array(z.object({ version: z.number().int(), name: z.string(), appliedAt: z.iso.datetime() }).strict()),
        runs: z
          .array(z.object({ ranBy: z.string(), ranAt: z.iso.datetime(), applied: z.array(z.string()), version: z.number().int() }).strict())
          .meta({ description: 'The newest runs of migrate, newest first: which pod ran it, what it applied (nothing, when the schema was up to date)' }),
      })
      .strict()
      .meta({ description: 'The schema as web found it at startup' }),
    staticAssets: orNull(
      z.object({ builtAt: z.iso.datetime(), manifestMtime: z.iso.datetime(), files: z.number().int().nonnegative() }).strict(),
    ).meta({ description: 'The static build as web found it at startup; null when it was missing' }),
  })
  .strict()
  .meta({ id: 'WebInfo' });
export type WebInfo = z.infer<typeof WebInfoSchema>;

export const ListJobsQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20).meta({ description: 'How many jobs, newest first' }),
});

export const mayaSawaContract: ServiceContract = {
  service: 'maya-sawa',
  title: 'maya-sawa web',
  description:
    'The web container of maya-sawa-v2: submits text-analysis and summary jobs to the maya_v2 queue (BullMQ on Redis), reads their status and results from PostgreSQL, summarises a text synchronously with the AI provider, and serves the static assets collectstatic built. Readiness fails while the schema is behind or the static assets are missing; it never depends on the AI provider.',
  defaultPort: 8000,
  requiredMetrics: ['maya_sawa_web_requests_total', 'maya_sawa_web_request_duration_seconds', 'maya_sawa_jobs_submitted_total', 'process_resident_memory_bytes'],
  routes: {
    metrics: healthRoutes('health').metrics,
    ready: {
      method: 'get',
      path: '/healthz',
      tags: ['health'],
      summary: 'Readiness: PostgreSQL and Redis answer, the schema is at the version this build needs, the static assets are present',
      responses: { 200: jsonResponse('Ready to receive traffic', ReadySchema), 503: jsonResponse('Not ready; the body names what failed', NotReadySchema) },
    },
    live: {
      method: 'get',
      path: '/healthz/live',
      tags: ['health'],
      summary: 'Liveness: the process serves. Never depends on other services.',
      responses: { 200: jsonResponse('Alive', LiveOkSchema) },
    },
    submit: {
      method: 'post',
      path: '/api/jobs',
      tags: ['jobs'],
      summary: 'Submit a text; the worker computes its statistics (analyse) or has the AI provider summarise it (summarise)',
      request: { body: { required: true, content: { 'application/json': { schema: SubmitJobRequestSchema } } } },
      responses: {
        202: jsonResponse('Queued', JobSchema),
        400: errorResponse('Malformed JSON or a body that breaks SubmitJobRequest'),
        503: errorResponse('The queue could not take the job'),
      },
    },
    list: {
      method: 'get',
      path: '/api/jobs',
      tags: ['jobs'],
      summary: 'Recent jobs, newest first',
      request: { query: ListJobsQuerySchema },
      responses: { 200: jsonResponse('Recent jobs', JobListSchema), 400: errorResponse('limit is not an integer from 1 to 100') },
    },
    get: {
      method: 'get',
      path: '/api/jobs/{id}',
      tags: ['jobs'],
      summary: "A job's status and result",
      request: { params: z.object({ id: z.string() }) },
      responses: { 200: jsonResponse('The job', JobSchema), 404: errorResponse('No such job (or not a job id)') },
    },
    summarise: {
      method: 'post',
      path: '/api/summaries',
      tags: ['jobs'],
      summary: 'Summarise a text now, with the AI provider, within AI_SYNC_TIMEOUT_MS (retries included)',
      request: { body: { required: true, content: { 'application/json': { schema: SummariseRequestSchema } } } },
      responses: {
        200: jsonResponse('The summary', SummaryAnswerSchema),
        400: errorResponse('Malformed JSON or a body that breaks SummariseRequest'),
        502: errorResponse('The AI provider refused the request (ai_rejected)'),
        503: errorResponse('The AI provider is unavailable: down, failing or rate limiting (ai_unavailable); Retry-After when it said'),
        504: errorResponse('The AI provider did not answer within the timeout (ai_timeout)'),
      },
    },
    info: {
      method: 'get',
      path: '/api/info',
      tags: ['info'],
      summary: 'What web found at startup: schema version and migrations, the static build',
      responses: { 200: jsonResponse('Startup facts', WebInfoSchema) },
    },
    page: {
      method: 'get',
      path: '/static/',
      tags: ['static'],
      summary: 'The page: a small client of the jobs API (the index.html collectstatic built)',
      responses: { 200: { description: 'The page', content: { 'text/html': { schema: z.string() } } }, 404: errorResponse('Not built yet') },
    },
    static: {
      method: 'get',
      path: '/static/{file}',
      tags: ['static'],
      summary: 'The assets collectstatic built (index.html, hashed CSS and JS, manifest.json)',
      request: { params: z.object({ file: z.string() }) },
      responses: { 200: { description: 'The file', content: { 'text/html': { schema: z.string() } } }, 404: errorResponse('No such file') },
    },
    ...docsRoutes('docs'),
  },
};
