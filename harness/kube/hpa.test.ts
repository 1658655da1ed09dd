import type { V1Deployment, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { durationSeconds, metricResolutionSeconds, reportsAllMetrics, scaleOutDecisionBoundSeconds } from './hpa.js';

const metricsServer = (args: string[]): V1Deployment => ({
  spec: { selector: {}, template: { spec: { containers: [{ name: 'metrics-server', args: ['--cert-dir=/tmp', ...args] }] } } },
});

describe('HPA timing', () => {
  it("reads metrics-server's resolution from its arguments, or its default of 60 s", () => {
    expect(metricResolutionSeconds(metricsServer(['--metric-resolution=10s']))).toBe(10);
    expect(metricResolutionSeconds(metricsServer(['--metric-resolution=1m30s']))).toBe(90);
    expect(metricResolutionSeconds(metricsServer([]))).toBe(60);
    expect(() => durationSeconds('10 s')).toThrow(/not a duration/);
  });

  it('bounds the scale-out decision by two scrapes and one HPA sync', () => {
    expect(scaleOutDecisionBoundSeconds({ metricResolutionSeconds: 10, syncPeriodSeconds: 15 })).toBe(35);
  });
});

describe('reportsAllMetrics', () => {
  const hpa = (current: string[]): V2HorizontalPodAutoscaler => ({
    spec: { maxReplicas: 3, scaleTargetRef: { kind: 'Deployment', name: 'w' }, metrics: ['cpu', 'memory'].map((name) => ({ type: 'Resource', resource: { name, target: { type: 'Utilization' } } })) },
    status: { desiredReplicas: 1, currentMetrics: current.map((name) => ({ type: 'Resource', resource: { name, current: { averageUtilization: 5 } } })) },
  });

  it('holds only when every configured metric has a current value', () => {
    expect(reportsAllMetrics(hpa(['cpu', 'memory']))).toBe(true);
    expect(reportsAllMetrics(hpa(['cpu']))).toBe(false);
  });
});
