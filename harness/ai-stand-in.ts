import { RequestLogSchema, type ProviderMode, type RequestLog } from '../contracts/openai-stand-in.js';

/**
 * The OpenAI stand-in's test controls (services/openai-stand-in, ENABLE_TEST_CONTROLS=true in the test overlay only),
 * through its NodePort: set its latency or failure mode, read what it received and answered per Idempotency-Key.
 */
export class AiStandInControl {
  /** `url`: the stand-in's, from this process (its NodePort). */
  constructor(readonly url: string) {}

  async setMode(mode: ProviderMode): Promise<void> {
    const response = await fetch(`${this.url}/test/mode`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(mode), signal: AbortSignal.timeout(5_000) });
    if (!response.ok) throw new Error(`setting the stand-in's mode to ${JSON.stringify(mode)} answered ${response.status}: ${await response.text()}`);
  }

  async requestLog(): Promise<RequestLog> {
    const response = await fetch(`${this.url}/test/requests`, { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) throw new Error(`the stand-in's request log answered ${response.status}: ${await response.text()}`);
    return RequestLogSchema.parse(await response.json());
  }
}
