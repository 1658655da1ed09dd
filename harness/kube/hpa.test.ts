import type { V1Deployment, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { durationSeconds, metricResolutionSeconds, readsAboveTarget, reportsAllMetrics, scaleOutDecisionBoundSeconds } from './hpa.js';

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

describe('readsAboveTarget', () => {
  const hpa = (current?: number): V2HorizontalPodAutoscaler => ({
    spec: { maxReplicas: 5, scaleTargetRef: { kind: 'Deployment', name: 'x' }, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }] },
    status: { desiredReplicas: 2, ...(current === undefined ? {} : { currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: current } } }] }) },
  });
  it('says yes only beyond the tolerance and the margin (70 % target: 84 % and up)', () => {
    expect(readsAboveTarget(hpa(84), 'cpu')).toBe(true);
    expect(readsAboveTarget(hpa(83), 'cpu')).toBe(false);
    expect(readsAboveTarget(hpa(77), 'cpu', 0)).toBe(true);
  });
  it('says no without a reading or a target for the resource', () => {
    expect(readsAboveTarget(hpa(), 'cpu')).toBe(false);
    expect(readsAboveTarget(hpa(99), 'memory')).toBe(false);
  });
});
