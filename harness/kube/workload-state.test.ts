import type { V1EndpointSlice } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { readyEndpointPods, readyEndpointsByNode } from './workload-state.js';

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
