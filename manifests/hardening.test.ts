import type { KubernetesObject, V1Container, V1PodSpec } from '@kubernetes/client-node';
import { quantityToScalar } from '@kubernetes/client-node/dist/util.js';
import { describe, expect, it } from 'vitest';
import { renderDeployed } from './deployed-kustomizations.js';
import { describeObject } from './validate.js';

// What every container the suite deploys declares, whichever system or overlay it belongs to (a container added
// later is held to it without being listed here).
const rendered = await renderDeployed();

const bytes = (quantity: string | undefined): number => (quantity === undefined ? Number.NaN : Number(quantityToScalar(quantity)));

function podSpecs(objects: KubernetesObject[]): { what: string; spec: V1PodSpec }[] {
  return objects.flatMap((object) => {
    const spec = (object as { spec?: { template?: { spec?: V1PodSpec } } }).spec?.template?.spec;
    return spec ? [{ what: describeObject(object), spec }] : [];
  });
}

/** What the kubelet holds a pod to: its init containers run one at a time, then its containers side by side. */
function podLimit(spec: V1PodSpec): number {
  const limit = (container: V1Container) => bytes(container.resources?.limits?.['ephemeral-storage']);
  const main = spec.containers.reduce((sum, container) => sum + limit(container), 0);
  return Math.max(main, ...(spec.initContainers ?? []).map(limit));
}

describe.each([...rendered.keys()])('%s', (dir) => {
  const pods = podSpecs(rendered.get(dir)!);

  it('has pods to check', () => {
    expect(pods.length).toBeGreaterThan(0);
  });

  it('gives every container and init container ephemeral-storage requests and limits (request ≤ limit)', () => {
    for (const { what, spec } of pods) {
      for (const container of [...(spec.initContainers ?? []), ...spec.containers]) {
        const request = bytes(container.resources?.requests?.['ephemeral-storage']);
        const limit = bytes(container.resources?.limits?.['ephemeral-storage']);
        expect(request, `${what} ${container.name}: ephemeral-storage request`).toBeGreaterThan(0);
        expect(limit, `${what} ${container.name}: ephemeral-storage limit`).toBeGreaterThanOrEqual(request);
      }
    }
  });

  // A disk-backed emptyDir counts towards the pod's ephemeral storage: each is bounded, and together they fit within
  // what the pod's containers may use, so a full volume is refused at its sizeLimit before the pod is evicted.
  it('bounds every emptyDir with a sizeLimit, all of them within the pod\'s ephemeral-storage limit', () => {
    for (const { what, spec } of pods) {
      const emptyDirs = (spec.volumes ?? []).filter((volume) => volume.emptyDir);
      for (const volume of emptyDirs) expect(bytes(volume.emptyDir?.sizeLimit), `${what} volume ${volume.name}: sizeLimit`).toBeGreaterThan(0);
      const onDisk = emptyDirs.filter((volume) => volume.emptyDir?.medium !== 'Memory').reduce((sum, volume) => sum + bytes(volume.emptyDir?.sizeLimit), 0);
      expect(onDisk, `${what}: emptyDirs' sizeLimits within the pod's ephemeral-storage limit (${podLimit(spec)} bytes)`).toBeLessThan(podLimit(spec));
    }
  });
});
