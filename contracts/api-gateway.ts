import { z } from 'zod';
import { docsRoutes, errorResponse, healthRoutes, jsonResponse, orNull, type ServiceContract } from './common.js';
import { TaskStatusSchema, TaskTypeSchema } from './worker.js';

export const TaskCountsSchema = z
  .object({
    success: z.number().int().nonnegative(),
    failed: z.number().int().nonnegative(),
  })
  .strict()
  .meta({ id: 'TaskCounts' });
export type TaskCounts = z.infer<typeof TaskCountsSchema>;

export const LastTaskSchema = z
  .object({
    type: TaskTypeSchema,
    status: TaskStatusSchema,
    finishedAt: z.iso.datetime().meta({ example: '2025-01-01T12:00:00.000Z' }),
    ageSeconds: z.number().nonnegative().meta({ description: 'Seconds between finishedAt and checkedAt' }),
  })
  .strict()
  .meta({ id: 'LastTask' });
export type LastTask = z.infer<typeof LastTaskSchema>;

export const WorkerTasksSchema = z
  .object({
    byType: z
      .object({
        data_processing: TaskCountsSchema,
        cleanup: TaskCountsSchema,
        health_check: TaskCountsSchema,
        metrics_collection: TaskCountsSchema,
      })
      .strict(),
    totals: TaskCountsSchema,
    lastTask: orNull(LastTaskSchema).meta({ description: 'null until the worker has recorded a task' }),
  })
  .strict()
  .meta({ id: 'WorkerTasks', description: "The worker's task counters, as recorded in Redis" });
export type WorkerTasks = z.infer<typeof WorkerTasksSchema>;

export const RedisStatusSchema = z
  .object({
    connected: z.boolean(),
    latencyMs: z.number().nonnegative().nullable().meta({ description: 'PING round trip; null when Redis did not answer' }),
    error: z.string().nullable(),
  })
  .strict()
  .meta({ id: 'RedisStatus' });
export type RedisStatus = z.infer<typeof RedisStatusSchema>;

export const GatewaySelfSchema = z
  .object({
    service: z.literal('api-gateway'),
    version: z.string(),
    pod: z.string(),
    uptimeSeconds: z.number().nonnegative(),
    status: z.literal('up'),
  })
  .strict()
  .meta({ id: 'GatewaySelf' });

export const StatusResponseSchema = z
  .object({
    status: z.enum(['ok', 'degraded']).meta({ description: 'degraded when Redis cannot be read' }),
    checkedAt: z.iso.datetime(),
    gateway: GatewaySelfSchema,
    redis: RedisStatusSchema,
    worker: orNull(WorkerTasksSchema).meta({ description: 'null when Redis cannot be read' }),
  })
  .strict()
  .meta({ id: 'StatusResponse' });
export type StatusResponse = z.infer<typeof StatusResponseSchema>;

export const InfoResponseSchema = z
  .object({
    service: z.literal('api-gateway'),
    version: z.string().meta({ example: '0.1.0' }),
    pod: z.string().meta({ description: 'POD_NAME, else HOSTNAME', example: 'api-gateway-7d9c5b6f4-x2x9z' }),
    uptimeSeconds: z.number().nonnegative(),
    startedAt: z.iso.datetime(),
    nodeVersion: z.string().meta({ example: 'v24.0.0' }),
    environment: z.string().meta({ example: 'production' }),
  })
  .strict()
  .meta({ id: 'InfoResponse' });
export type InfoResponse = z.infer<typeof InfoResponseSchema>;

export const ProbeToggleSchema = z
  .object({
    probe: z.enum(['readiness', 'liveness']),
    enabled: z.boolean().meta({ description: 'false while the probe is forced to fail' }),
  })
  .strict()
  .meta({ id: 'ProbeToggle' });
export type ProbeToggle = z.infer<typeof ProbeToggleSchema>;

function toggleRoute(probe: 'readiness' | 'liveness', action: 'enable' | 'disable') {
  return {
    method: 'post' as const,
    path: `/test/${probe}/${action}`,
    tags: ['test toggles'],
    summary: `${action === 'disable' ? 'Force' : 'Stop forcing'} ${probe} failure (only when ENABLE_TEST_TOGGLES=true)`,
    responses: {
      200: jsonResponse('New state of the probe', ProbeToggleSchema),
      400: errorResponse('Malformed JSON body'),
      404: errorResponse('Test toggles are disabled (ENABLE_TEST_TOGGLES is not true)'),
    },
  };
}

export const apiGatewayContract: ServiceContract = {
  service: 'api-gateway',
  title: 'api-gateway',
  description: "Entry point of the health-monitoring system: the system's status for the dashboard, service info, health and metrics.",
  defaultPort: 8080,
  requiredMetrics: [
    'api_gateway_requests_total',
    'api_gateway_request_duration_seconds',
    'api_gateway_requests_in_progress',
    'api_gateway_redis_connection_status',
    'process_resident_memory_bytes',
    'nodejs_eventloop_lag_seconds',
  ],
  routes: {
    ...healthRoutes('health', { liveCanBeToggled: true }),
    status: {
      method: 'get',
      path: '/api/status',
      tags: ['api'],
      summary: "System status: the gateway, Redis (connected, latency) and the worker's task counters read from Redis",
      responses: { 200: jsonResponse('Status (200 even when Redis is down: then status is degraded)', StatusResponseSchema) },
    },
    info: {
      method: 'get',
      path: '/api/info',
      tags: ['api'],
      summary: 'Service name, version, pod, uptime, Node version, environment',
      responses: { 200: jsonResponse('Service info', InfoResponseSchema) },
    },
    disableReadiness: toggleRoute('readiness', 'disable'),
    enableReadiness: toggleRoute('readiness', 'enable'),
    disableLiveness: toggleRoute('liveness', 'disable'),
    enableLiveness: toggleRoute('liveness', 'enable'),
    ...docsRoutes('docs'),
    ...docsRoutes('docs', '/api'),
  },
};
