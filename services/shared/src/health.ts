import type { IRouter } from 'express';
import type { DependencyCheck, LiveFailing, LiveOk, NotReady, Ready } from '../../../contracts/common.js';

/**
 * What the probes answer, besides dependency checks. Shutdown flips `shuttingDown` (readiness fails at once so
 * Kubernetes stops routing here); the test toggles flip the two `disabled` flags.
 */
export class HealthState {
  shuttingDown = false;
  readinessDisabled = false;
  livenessDisabled = false;

  beginShutdown(): void {
    this.shuttingDown = true;
  }
}

export interface ReadinessCheck {
  name: string;
  /** Must settle on its own within a short deadline; never throws. */
  run(): Promise<DependencyCheck>;
}

export type ReadinessAnswer = { ready: true; body: Ready } | { ready: false; body: NotReady };

export async function evaluateReadiness(state: HealthState, checks: readonly ReadinessCheck[]): Promise<ReadinessAnswer> {
  if (state.shuttingDown) return { ready: false, body: { status: 'not_ready', reasons: ['shutting down'], checks: [] } };
  const results = await Promise.all(checks.map((check) => check.run()));
  const reasons = results.filter((result) => result.status === 'down').map((result) => `${result.name}: ${result.error ?? 'down'}`);
  // Checked again: shutdown may have begun while the checks ran.
  if (state.shuttingDown) reasons.unshift('shutting down');
  if (state.readinessDisabled) reasons.unshift('readiness disabled by test toggle');
  if (reasons.length > 0) return { ready: false, body: { status: 'not_ready', reasons, checks: results } };
  return { ready: true, body: { status: 'ready', checks: results } };
}

/** GET /health/live (never looks at dependencies, so an outage elsewhere cannot get pods restarted) and GET /health/ready. */
export function addHealthRoutes(router: IRouter, state: HealthState, checks: readonly ReadinessCheck[]): void {
  router.get('/health/live', (_req, res) => {
    if (state.livenessDisabled) {
      const body: LiveFailing = { status: 'failing', reason: 'liveness disabled by test toggle' };
      res.status(503).json(body);
      return;
    }
    const body: LiveOk = { status: 'ok' };
    res.json(body);
  });
  router.get('/health/ready', async (_req, res) => {
    const answer = await evaluateReadiness(state, checks);
    res.status(answer.ready ? 200 : 503).json(answer.body);
  });
}
