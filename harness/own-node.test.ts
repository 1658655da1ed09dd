import type { KubernetesObject, V1Deployment, V1Service } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { renderKustomization } from './kustomize.js';
import { placeOnNode } from './own-node.js';

describe('placing a file\'s workload on its own node', () => {
  it('keeps every pod template of the maya-sawa overlays on the node and lets it tolerate only that file\'s taint', async () => {
    for (const overlay of ['faults', 'failing-migrate', 'single-pod', 'split']) {
      const rendered = await renderKustomization(`manifests/maya-sawa/overlays/${overlay}`);
      const placed = placeOnNode(rendered, 'maya-sawa-faults', 'kms-maya-sawa-faults-1');
      const deployments = placed.filter((object): object is V1Deployment => object.kind === 'Deployment');
      expect(deployments.length, overlay).toBeGreaterThanOrEqual(3);
      for (const deployment of deployments) {
        const spec = deployment.spec!.template.spec!;
        expect(spec.nodeSelector, `${overlay}: ${deployment.metadata?.name}`).toMatchObject({ 'kubernetes.io/hostname': 'kms-maya-sawa-faults-1' });
        expect(spec.tolerations, `${overlay}: ${deployment.metadata?.name}`).toContainEqual({
          key: 'kube-microservices-suite/dedicated',
          value: 'maya-sawa-faults',
          effect: 'NoSchedule',
          operator: 'Equal',
        });
      }
      // What has no pods is as rendered, and the rendered objects are not changed.
      expect(placed.filter((object) => object.kind !== 'Deployment')).toEqual(rendered.filter((object) => object.kind !== 'Deployment'));
      expect(rendered.some((object) => JSON.stringify(object).includes('kms-maya-sawa-faults-1'))).toBe(false);
    }
  });

  it('places a bare Pod, and leaves a Service alone', () => {
    const pod: KubernetesObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i' }] } } as KubernetesObject;
    const service: V1Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80 }] } };
    const [placedPod, placedService] = placeOnNode([pod, service], 'init-order', 'kms-init-order-1');
    expect((placedPod as { spec: { nodeSelector: Record<string, string> } }).spec.nodeSelector).toEqual({ 'kubernetes.io/hostname': 'kms-init-order-1' });
    expect(placedService).toEqual(service);
  });
});
