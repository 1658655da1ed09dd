import type { IRouter } from 'express';
import type { ProbeToggle } from '../../../../contracts/api-gateway.js';
import type { HealthState } from '../../../shared/src/health.js';
import type { Logger } from '../../../shared/src/logger.js';

/**
 * podinfo-style probe toggles for the scenarios. Added only when ENABLE_TEST_TOGGLES=true; otherwise these
 * paths fall through to the 404 handler.
 */
export function addTestToggleRoutes(router: IRouter, health: HealthState, logger: Logger): void {
  const toggle = (probe: ProbeToggle['probe'], enabled: boolean) => {
    if (probe === 'readiness') health.readinessDisabled = !enabled;
    else health.livenessDisabled = !enabled;
    logger.warn({ probe, enabled }, `test toggle: ${probe} ${enabled ? 'enabled' : 'disabled'}`);
    const body: ProbeToggle = { probe, enabled };
    return body;
  };
  router.post('/test/readiness/disable', (_req, res) => void res.json(toggle('readiness', false)));
  router.post('/test/readiness/enable', (_req, res) => void res.json(toggle('readiness', true)));
  router.post('/test/liveness/disable', (_req, res) => void res.json(toggle('liveness', false)));
  router.post('/test/liveness/enable', (_req, res) => void res.json(toggle('liveness', true)));
}
