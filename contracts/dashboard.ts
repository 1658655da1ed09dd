import { z } from 'zod';
import { docsRoutes, healthRoutes, jsonResponse, orNull, type ServiceContract } from './common.js';
import { LastTaskSchema, TaskCountsSchema } from './api-gateway.js';
import { TaskTypeSchema } from './worker.js';

export const ServiceHealthSchema = z
  .enum(['up', 'degraded', 'down', 'unknown'])
  .meta({ id: 'ServiceHealth', description: 'unknown: the dashboard could not find out (e.g. Redis while the gateway is down)' });
export type ServiceHealth = z.infer<typeof ServiceHealthSchema>;

export const ServiceEntrySchema = z
  .object({
    id: z.enum(['gateway', 'worker', 'redis']),
    label: z.string().meta({ example: 'API gateway' }),
    status: ServiceHealthSchema,
    responseTimeMs: z.number().nonnegative().nullable().meta({ description: 'Time the check took; for Redis, its PING latency' }),
    error: z.string().nullable().meta({ description: 'Why the service is not up', example: 'timed out after 2000 ms' }),
    detail: z.string().nullable().meta({ description: 'One line of context', example: 'version 0.1.0 on api-gateway-1' }),
  })
  .strict()
  .meta({ id: 'ServiceEntry' });
export type ServiceEntry = z.infer<typeof ServiceEntrySchema>;

export const TaskRowSchema = z
  .object({ type: TaskTypeSchema, success: z.number().int().nonnegative(), failed: z.number().int().nonnegative() })
  .strict()
  .meta({ id: 'TaskRow' });
export type TaskRow = z.infer<typeof TaskRowSchema>;

export const TaskSummarySchema = z
  .object({ rows: z.array(TaskRowSchema), totals: TaskCountsSchema, lastTask: orNull(LastTaskSchema) })
  .strict()
  .meta({ id: 'TaskSummary' });
export type TaskSummary = z.infer<typeof TaskSummarySchema>;

export const OverviewSchema = z
  .object({
    generatedAt: z.iso.datetime(),
    refreshSeconds: z.number().int().positive().meta({ description: 'How often the page refreshes', example: 5 }),
    overall: ServiceHealthSchema.meta({ description: 'The worst status among the services' }),
    services: z.array(ServiceEntrySchema).min(3).max(3).meta({ description: 'gateway, worker, redis, in that order' }),
    tasks: orNull(TaskSummarySchema).meta({ description: "The worker's counters (via the gateway); null when they could not be read" }),
  })
  .strict()
  .meta({ id: 'Overview' });
export type Overview = z.infer<typeof OverviewSchema>;

export const dashboardContract: ServiceContract = {
  service: 'dashboard',
  title: 'dashboard',
  description:
    'A web page showing the health of the gateway, the worker and Redis, refreshed every 5 s, and the server-side ' +
    'endpoint that gathers it with a timeout per upstream call.',
  defaultPort: 3000,
  requiredMetrics: ['dashboard_requests_total', 'dashboard_request_duration_seconds', 'dashboard_requests_in_progress', 'process_resident_memory_bytes'],
  routes: {
    ...healthRoutes('health'),
    page: {
      method: 'get',
      path: '/',
      tags: ['ui'],
      summary: 'The dashboard page (static HTML; loads /style.css and /app.js)',
      responses: { 200: { description: 'HTML page', content: { 'text/html': { schema: z.string() } } } },
    },
    overview: {
      method: 'get',
      path: '/api/overview',
      tags: ['api'],
      summary: 'Everything the page shows, gathered in parallel with a timeout per upstream call',
      responses: { 200: jsonResponse('Overview (200 even when every upstream is down)', OverviewSchema) },
    },
    ...docsRoutes('docs'),
  },
};
