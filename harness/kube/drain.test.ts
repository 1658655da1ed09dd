import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { podsToEvict } from './drain.js';

const pod = (name: string, extra: Partial<NonNullable<V1Pod['metadata']>> = {}): V1Pod => ({ metadata: { name, namespace: 'demo', ...extra } });

describe('podsToEvict (as kubectl drain --ignore-daemonsets --delete-emptydir-data chooses)', () => {
  it('evicts ReplicaSet pods and bare pods; leaves DaemonSet pods, mirror pods and pods already terminating', () => {
    const pods = [
      pod('web-1', { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: '1', controller: true }] }),
      pod('bare'),
      pod('agent-x', { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: '2', controller: true }] }),
      pod('etcd-node', { annotations: { 'kubernetes.io/config.mirror': 'abc' } }),
      pod('web-2', { deletionTimestamp: new Date() }),
    ];
    const { evict, skipped } = podsToEvict(pods);
    expect(evict.map((p) => p.metadata?.name)).toEqual(['web-1', 'bare']);
    expect(skipped).toEqual(['demo/agent-x (DaemonSet)', 'demo/etcd-node (mirror pod)', 'demo/web-2 (already terminating)']);
  });

  it('evicts a pod a DaemonSet merely references without controlling it', () => {
    const { evict } = podsToEvict([pod('p', { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'd', uid: '3' }] })]);
    expect(evict).toHaveLength(1);
  });
});
