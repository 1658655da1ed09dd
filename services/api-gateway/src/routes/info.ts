import type { IRouter } from 'express';
import type { InfoResponse } from '../../../../contracts/api-gateway.js';
import type { ServiceIdentity } from '../../../shared/src/config.js';

export const uptimeSeconds = (startedAt: Date, now = Date.now()): number => Math.max(0, Math.round((now - startedAt.getTime()) / 100) / 10);

export function addInfoRoute(router: IRouter, identity: ServiceIdentity): void {
  router.get('/api/info', (_req, res) => {
    const body: InfoResponse = {
      service: 'api-gateway',
      version: identity.version,
      pod: identity.pod,
      uptimeSeconds: uptimeSeconds(identity.startedAt),
      startedAt: identity.startedAt.toISOString(),
      nodeVersion: process.version,
      environment: identity.environment,
    };
    res.json(body);
  });
}
