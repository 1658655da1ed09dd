import { describe, expect, it } from 'vitest';
import { parseMetrics, sumOf } from './pod-metrics.js';

describe('parseMetrics', () => {
  it('reads samples with their labels and sums them by label', () => {
    const samples = parseMetrics(
      [
        '# HELP worker_tasks_processed_total Task runs',
        '# TYPE worker_tasks_processed_total counter',
        'worker_tasks_processed_total{task_type="cleanup",status="success"} 7',
        'worker_tasks_processed_total{task_type="cleanup",status="failed"} 1',
        'worker_tasks_processed_total{task_type="health_check",status="success"} 3',
        'worker_last_task_timestamp 1764400000.5',
        '',
      ].join('\n'),
    );
    expect(samples).toHaveLength(4);
    expect(sumOf(samples, 'worker_tasks_processed_total', { task_type: 'cleanup' })).toBe(8);
    expect(sumOf(samples, 'worker_tasks_processed_total')).toBe(11);
    expect(sumOf(samples, 'worker_last_task_timestamp')).toBe(1764400000.5);
    expect(sumOf(samples, 'absent')).toBe(0);
  });
});
