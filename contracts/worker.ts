import { z } from 'zod';
import { docsRoutes, healthRoutes, type ServiceContract } from './common.js';
import { TASK_STATUSES, TASK_TYPES } from './task-types.js';

export { TASK_STATUSES, TASK_TYPES, type TaskStatus, type TaskType } from './task-types.js';

export const TaskTypeSchema = z.enum(TASK_TYPES).meta({ id: 'TaskType' });
export const TaskStatusSchema = z.enum(TASK_STATUSES).meta({ id: 'TaskStatus' });

export const workerContract: ServiceContract = {
  service: 'worker',
  title: 'worker',
  description:
    'Runs the scheduled tasks (data_processing, cleanup, health_check, metrics_collection) against Redis and records ' +
    'their outcomes there; exposes health and metrics only.',
  defaultPort: 8081,
  requiredMetrics: [
    'worker_tasks_processed_total',
    'worker_tasks_in_progress',
    'worker_redis_connection_status',
    'worker_last_task_timestamp',
    'process_resident_memory_bytes',
  ],
  routes: { ...healthRoutes('worker'), ...docsRoutes('docs') },
};
