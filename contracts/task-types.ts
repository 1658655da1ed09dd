// Plain constants (no zod), so services can use them at runtime without bundling the schema library's full build.

export const TASK_TYPES = ['data_processing', 'cleanup', 'health_check', 'metrics_collection'] as const;
export type TaskType = (typeof TASK_TYPES)[number];

export const TASK_STATUSES = ['success', 'failed'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const isTaskType = (value: unknown): value is TaskType => (TASK_TYPES as readonly unknown[]).includes(value);
export const isTaskStatus = (value: unknown): value is TaskStatus => (TASK_STATUSES as readonly unknown[]).includes(value);
