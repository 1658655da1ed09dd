import type { TaskType } from '../../../../contracts/task-types.js';
import { cleanup } from './cleanup.js';
import { dataProcessing } from './data-processing.js';
import { healthCheck } from './health-check.js';
import { metricsCollection } from './metrics-collection.js';
import type { Task } from './task.js';

export type { Task, TaskContext } from './task.js';

export const TASKS: Readonly<Record<TaskType, Task>> = {
  data_processing: dataProcessing,
  cleanup,
  health_check: healthCheck,
  metrics_collection: metricsCollection,
};
