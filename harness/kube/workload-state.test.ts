import type { V1Deployment, V1EndpointSlice } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { atHpaFloor, readyEndpointPods, readyEndpointsByNode, rolledOut } from './workload-state.js';

const slice: V1EndpointSlice = {
  addressType: 'IPv4',
  endpoints: [
    { addresses: ['10.42.0.5'], nodeName: 'kms-server', conditions: { ready: true }, targetRef: { name: 'a' } },
    { addresses: ['10.42.1.5'], nodeName: 'kms-agent-1', conditions: { ready: true }, targetRef: { name: 'b' } },
    { addresses: ['10.42.1.6'], nodeName: 'kms-agent-1', conditions: { ready: false, serving: true, terminating: true }, targetRef: { name: 'c' } },
    { addresses: ['10.42.0.7'], conditions: {}, targetRef: { name: 'd' } },
  ],
};

describe('ready endpoints', () => {
  it('counts per node only endpoints not marked unready (a terminating one is out)', () => {
    expect(readyEndpointsByNode([slice])).toEqual({ 'kms-server': 1, 'kms-agent-1': 1, '?': 1 });
    expect(readyEndpointPods([slice])).toEqual(['a', 'b', 'd']);
  });
});

describe('rolledOut (a Deployment available: every replica of its current template, and no other)', () => {
  const deployment = (generation: number, status: V1Deployment['status']): V1Deployment => ({ metadata: { generation }, spec: { replicas: 2, selector: {}, template: {} }, status });
  const settled = { observedGeneration: 3, replicas: 2, updatedReplicas: 2, availableReplicas: 2, readyReplicas: 2 };

  it('holds once the controller has seen the template and every replica is updated and available', () => {
    expect(rolledOut(deployment(3, settled))).toBe(true);
  });

  it('does not hold while the controller has not seen the template, an old replica is left, or one is unavailable', () => {
    expect(rolledOut(deployment(4, settled)), 'a new template not yet observed').toBe(false);
    expect(rolledOut(deployment(3, { ...settled, replicas: 3 })), 'an old replica still running (maxSurge)').toBe(false);
    expect(rolledOut(deployment(3, { ...settled, updatedReplicas: 1 })), 'a replica of the old template').toBe(false);
    // The Available condition would be True here (maxUnavailable allows one); the suite asks for every replica.
    expect(rolledOut(deployment(3, { ...settled, availableReplicas: 1 })), 'a replica not available').toBe(false);
  });
});

describe('atHpaFloor (a Deployment an HPA manages is created at 1 and raised to minReplicas at its first sync)', () => {
  const withReplicas = (name: string, replicas?: number): V1Deployment => ({ metadata: { name }, spec: { ...(replicas === undefined ? {} : { replicas }), selector: {}, template: {} } });
  const floors = new Map([['api-gateway', 2]]);

  it('holds at or above the floor, and for a Deployment no HPA targets', () => {
    expect(atHpaFloor(withReplicas('api-gateway', 2), floors)).toBe(true);
    expect(atHpaFloor(withReplicas('api-gateway', 4), floors)).toBe(true);
    expect(atHpaFloor(withReplicas('redis'), floors)).toBe(true);
  });

  it('does not hold below the floor, as at creation without a count (the default, 1)', () => {
    expect(atHpaFloor(withReplicas('api-gateway'), floors)).toBe(false);
    expect(atHpaFloor(withReplicas('api-gateway', 1), floors)).toBe(false);
  });
});
