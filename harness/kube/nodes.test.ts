import type { V1Node } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { chooseDrainPair } from './nodes.js';

const node = (name: string, options: { ready?: boolean; controlPlane?: boolean; cordoned?: boolean; taint?: string } = {}): V1Node => ({
  metadata: { name, labels: options.controlPlane ? { 'node-role.kubernetes.io/control-plane': 'true' } : {} },
  spec: { unschedulable: options.cordoned ?? false, taints: options.taint ? [{ key: options.taint, effect: 'NoSchedule' }] : [] },
  status: { conditions: [{ type: 'Ready', status: options.ready === false ? 'False' : 'True' }] },
});

describe('chooseDrainPair: which node of an external cluster is drained', () => {
  it('drains the last worker by name and moves its pods to the first other worker', () => {
    expect(chooseDrainPair([node('cp', { controlPlane: true }), node('w2'), node('w1'), node('w3')])).toEqual({ drain: 'w3', partner: 'w1' });
  });

  it('drains a worker and uses the control plane as partner on a two-node cluster', () => {
    expect(chooseDrainPair([node('server', { controlPlane: true }), node('agent')])).toEqual({ drain: 'agent', partner: 'server' });
  });

  it('drains a control-plane node only when no worker takes pods', () => {
    expect(chooseDrainPair([node('a', { controlPlane: true }), node('b', { controlPlane: true })])).toEqual({ drain: 'b', partner: 'a' });
  });

  it('skips nodes that are not Ready, cordoned or tainted', () => {
    const nodes = [node('a'), node('b', { ready: false }), node('c', { cordoned: true }), node('d', { taint: 'gpu' }), node('e')];
    expect(chooseDrainPair(nodes)).toEqual({ drain: 'e', partner: 'a' });
  });

  it('takes the node named by KMS_DRAIN_NODE, and refuses one that does not qualify', () => {
    expect(chooseDrainPair([node('a'), node('b'), node('c')], 'a')).toEqual({ drain: 'a', partner: 'b' });
    expect(() => chooseDrainPair([node('a'), node('b', { cordoned: true })], 'b')).toThrow(/KMS_DRAIN_NODE=b is not a Ready node that takes pods \(qualifying: a; nodes: a, b\)/);
  });

  it('needs two nodes that take pods', () => {
    expect(() => chooseDrainPair([node('only')])).toThrow(/needs two Ready nodes that take pods; this cluster has 1 \(only\)/);
  });
});
