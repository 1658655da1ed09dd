import type { V1Deployment } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { nodeLossBounds, nodeLossSettingsFor, probeSeconds, tolerationSecondsFor } from './node-loss.js';

describe('node loss bounds', () => {
  it('NotReady after grace + one monitor period; replaced after that + tolerationSeconds + probe periods', () => {
    expect(nodeLossBounds({ gracePeriodSeconds: 20, monitorPeriodSeconds: 2, tolerationSeconds: 10, probeSeconds: 7 })).toEqual({
      notReadySeconds: 22,
      replacedSeconds: 39,
    });
  });

  it("Kubernetes' defaults: almost six minutes before a pod of a dead node is replaced", () => {
    const { replacedSeconds } = nodeLossBounds({ gracePeriodSeconds: 50, monitorPeriodSeconds: 5, tolerationSeconds: tolerationSecondsFor(undefined, 'node.kubernetes.io/unreachable'), probeSeconds: 0 });
    expect(replacedSeconds).toBe(355);
  });
});

describe('tolerationSecondsFor', () => {
  const key = 'node.kubernetes.io/unreachable';
  it('reads the NoExecute toleration of the key', () => {
    expect(tolerationSecondsFor([{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }, { key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 }], key)).toBe(10);
  });
  it('ignores a NoSchedule toleration; none means the admission default of 300 s', () => {
    expect(tolerationSecondsFor([{ key, operator: 'Exists', effect: 'NoSchedule' }], key)).toBe(300);
  });
  it('a toleration without seconds tolerates forever, and so does a blanket Exists', () => {
    expect(tolerationSecondsFor([{ key, operator: 'Exists', effect: 'NoExecute' }], key)).toBe(Number.POSITIVE_INFINITY);
    expect(tolerationSecondsFor([{ operator: 'Exists' }], key)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('probeSeconds', () => {
  it('adds the startup and readiness periods of the slowest container', () => {
    const deployment: V1Deployment = {
      spec: {
        selector: {},
        template: {
          spec: {
            containers: [
              { name: 'a', startupProbe: { periodSeconds: 2 }, readinessProbe: { periodSeconds: 5 } },
              { name: 'b', readinessProbe: {} },
            ],
          },
        },
      },
    };
    expect(probeSeconds(deployment)).toBe(10);
  });
});

describe('nodeLossSettingsFor', () => {
  const deployment = (tolerationSeconds: number, readinessPeriod: number): V1Deployment => ({
    spec: {
      selector: {},
      template: { spec: { tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds }], containers: [{ name: 'c', readinessProbe: { periodSeconds: readinessPeriod } }] } },
    },
  });

  it("takes the cluster's node-monitor settings and the slowest of the Deployments", () => {
    expect(nodeLossSettingsFor({ nodeMonitorGracePeriodSeconds: 20, nodeMonitorPeriodSeconds: 2 }, [deployment(10, 5), deployment(30, 3)])).toEqual({
      gracePeriodSeconds: 20,
      monitorPeriodSeconds: 2,
      tolerationSeconds: 30,
      probeSeconds: 5,
    });
  });

  it("falls back to Kubernetes' defaults for a cluster that does not say", () => {
    expect(nodeLossSettingsFor(undefined, [deployment(10, 5)])).toMatchObject({ gracePeriodSeconds: 50, monitorPeriodSeconds: 5 });
  });
});
