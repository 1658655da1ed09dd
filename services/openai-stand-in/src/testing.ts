import { HealthState } from '../../shared/src/health.js';
import { start } from '../../shared/src/server.js';
import { silentLogger } from '../../shared/src/testing/helpers.js';
import { createStandInApp } from './app.js';
import { ProviderState } from './provider-state.js';

export const TEST_API_KEY = 'sk-test-stand-in-key';

export interface RunningStandIn {
  url: string;
  state: ProviderState;
  health: HealthState;
  close(): Promise<void>;
}

/** The stand-in as main.ts wires it, on 127.0.0.1 with a random port, test controls on unless told otherwise. */
export async function startStandIn(options: { apiKey?: string; testControls?: boolean } = {}): Promise<RunningStandIn> {
  const state = new ProviderState();
  const health = new HealthState();
  const app = createStandInApp({ logger: silentLogger(), health, state, apiKey: options.apiKey ?? TEST_API_KEY, testControls: options.testControls ?? true });
  const server = await start(app, 0, '127.0.0.1');
  return { url: server.url, state, health, close: () => server.close() };
}
