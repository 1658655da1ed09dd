import type { V1PodTemplateSpec } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { placeOnPair } from './dedicated-node.js';

describe('placeOnPair', () => {
  const template = (): V1PodTemplateSpec => ({ spec: { containers: [{ name: 'c' }], tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 }] } });
  const place = placeOnPair('node-failure', { drain: 'agent-1', partner: 'server' });

  it("tolerates the scenario's dedicated node and keeps the pods on the pair, keeping the template's own tolerations", () => {
    const placed = place(template());
    expect(placed.spec?.tolerations).toEqual([
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 },
      { key: 'kube-microservices-suite/dedicated', value: 'node-failure', effect: 'NoSchedule', operator: 'Equal' },
    ]);
    expect(placed.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms).toEqual([
      { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['agent-1', 'server'] }] },
    ]);
  });

  it('is idempotent: placing a placed template again changes nothing', () => {
    const once = place(template());
    expect(place(structuredClone(once))).toEqual(once);
  });
});
