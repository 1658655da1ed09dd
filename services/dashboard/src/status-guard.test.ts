import { describe, expect, it } from 'vitest';
import { StatusResponseSchema, type StatusResponse } from '../../../contracts/api-gateway.js';
import { asStatusResponse, notReadyReasons } from './status-guard.js';

const valid: StatusResponse = {
  status: 'ok',
  checkedAt: '2025-01-01T12:00:00.000Z',
  gateway: { service: 'api-gateway', version: '1.0.0', pod: 'gw-1', uptimeSeconds: 3, status: 'up' },
  redis: { connected: true, latencyMs: 1.2, error: null },
  worker: {
    byType: {
      data_processing: { success: 1, failed: 0 },
      cleanup: { success: 1, failed: 0 },
      health_check: { success: 1, failed: 0 },
      metrics_collection: { success: 1, failed: 2 },
    },
    totals: { success: 4, failed: 2 },
    lastTask: { type: 'cleanup', status: 'failed', finishedAt: '2025-01-01T11:59:58.000Z', ageSeconds: 2 },
  },
};

describe('the dashboard guard on the gateway status', () => {
  it('accepts what the contract accepts', () => {
    for (const body of [valid, { ...valid, status: 'degraded', worker: null, redis: { connected: false, latencyMs: null, error: 'down' } }]) {
      expect(StatusResponseSchema.safeParse(body).success).toBe(true);
      expect(asStatusResponse(body)).toBe(body);
    }
  });

  it('rejects answers missing what the page shows', () => {
    const broken = [
      null,
      'ok',
      { ...valid, redis: { connected: 'yes', latencyMs: 1, error: null } },
      { ...valid, worker: { ...valid.worker, byType: { cleanup: { success: 1, failed: 0 } } } },
      { ...valid, worker: { ...valid.worker, lastTask: { type: 'bogus', status: 'success', finishedAt: 'x', ageSeconds: 1 } } },
      { ...valid, worker: { ...valid.worker, totals: { success: -1, failed: 0 } } },
      { ...valid, status: 'fine' },
    ];
    for (const body of broken) {
      expect(StatusResponseSchema.safeParse(body).success).toBe(false);
      expect(asStatusResponse(body)).toBeNull();
    }
  });

  it('reads the reasons of a readiness failure', () => {
    expect(notReadyReasons({ status: 'not_ready', reasons: ['redis: down'], checks: [] })).toEqual(['redis: down']);
    expect(notReadyReasons({ status: 'ready', checks: [] })).toBeNull();
    expect(notReadyReasons({ status: 'not_ready', reasons: [] })).toBeNull();
  });
});
