import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dumpYaml, type KubernetesObject } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { renderKustomization } from '../kustomize.js';
import { renderDeployed } from '../../manifests/deployed-kustomizations.js';
import { asClientModel, hpaFloorsOf } from './apply.js';

const deployment = (name: string, namespace: string, replicas?: number): KubernetesObject =>
  ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace }, spec: replicas === undefined ? {} : { replicas } }) as KubernetesObject;
const hpa = (target: string, namespace: string, minReplicas?: number): KubernetesObject =>
  ({
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: target, namespace },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: target }, maxReplicas: 5, ...(minReplicas === undefined ? {} : { minReplicas }) },
  }) as KubernetesObject;

describe('hpaFloorsOf (the Deployments an apply raises to their HPA floor at once)', () => {
  it("takes a Deployment without a count that an HPA of its namespace targets, at the HPA's minReplicas (default 1)", () => {
    const objects = [deployment('a', 'x'), hpa('a', 'x', 3), deployment('b', 'x'), hpa('b', 'x')];
    expect(hpaFloorsOf(objects)).toEqual([
      { namespace: 'x', name: 'a', floor: 3 },
      { namespace: 'x', name: 'b', floor: 1 },
    ]);
  });

  it('leaves a Deployment with a count of its own, one no HPA targets, and one whose HPA is in another namespace', () => {
    expect(hpaFloorsOf([deployment('a', 'x', 2), hpa('a', 'x', 3), deployment('c', 'x'), deployment('d', 'x'), hpa('d', 'y', 2)])).toEqual([]);
  });

  it('raises the gateway to 2 and the worker to 1 in the test overlay', async () => {
    const overlay = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'manifests', 'overlays', 'test');
    expect(hpaFloorsOf(await renderKustomization(overlay))).toEqual([
      { namespace: 'microservices-demo', name: 'api-gateway', floor: 2 },
      { namespace: 'microservices-demo', name: 'worker', floor: 1 },
    ]);
  });
});

describe('asClientModel (what applyObjects hands to client-node, whose serializer writes the request body)', () => {
  it('sends every object of every deployed kustomization as rendered (a NetworkPolicy rule keeps its `from`)', async () => {
    const rendered = await renderDeployed();
    const objects = [...rendered.values()].flat();
    expect(objects.filter((o) => o.kind === 'NetworkPolicy').length).toBeGreaterThan(0);
    for (const object of objects) {
      // dumpYaml serializes as client-node's API calls do.
      expect(parse(dumpYaml(asClientModel(object))) as unknown, `${object.kind}/${object.metadata?.name}`).toEqual(object);
    }
  });
});
