import type { ChatCompletion, KeyLog, ProviderMode, RequestLog } from '../../../contracts/openai-stand-in.js';

/** How many idempotency keys are remembered (oldest forgotten first): bounds memory under a long load. */
const MAX_KEYS = 5_000;

/** What the API does with the next request, by the mode in force. */
export type Verdict =
  | { kind: 'answer'; delayMs: number }
  | { kind: 'rate-limit'; retryAfterSeconds: number }
  | { kind: 'error' }
  | { kind: 'reset' };

/**
 * The stand-in's state: the mode a test set, the log of what the API received and answered per Idempotency-Key,
 * and the completions already given per key (a repeat is answered with the stored one, as an idempotent API does).
 */
export class ProviderState {
  private mode: ProviderMode = { mode: 'normal' };
  private remaining: number | undefined;
  private readonly keys = new Map<string, KeyLog>();
  private readonly stored = new Map<string, ChatCompletion>();
  private readonly totals = { received: 0, completed: 0, replayed: 0 };

  setMode(mode: ProviderMode): ProviderMode {
    this.mode = mode;
    this.remaining = mode.times;
    return this.mode;
  }

  /** Counts a received request and decides, by the mode in force, what it gets. */
  receive(key: string | undefined): Verdict {
    this.totals.received += 1;
    if (key !== undefined) this.entry(key).received += 1;
    const current = this.mode;
    if (current.mode !== 'normal' && this.remaining !== undefined) {
      this.remaining -= 1;
      if (this.remaining <= 0) this.setMode({ mode: 'normal' });
    }
    switch (current.mode) {
      case 'slow':
        return { kind: 'answer', delayMs: current.latencyMs ?? 2_000 };
      case 'rate-limit':
        return { kind: 'rate-limit', retryAfterSeconds: current.retryAfterSeconds ?? 1 };
      case 'error':
        return { kind: 'error' };
      case 'down':
        return { kind: 'reset' };
      default:
        return { kind: 'answer', delayMs: 0 };
    }
  }

  /** The completion stored for a key, if one was already given. */
  storedFor(key: string | undefined): ChatCompletion | undefined {
    return key === undefined ? undefined : this.stored.get(key);
  }

  /** Records an answer sent (or a connection reset) for a key. */
  answered(key: string | undefined, status: number | 'reset', outcome?: { completion: ChatCompletion; replay: boolean }): void {
    if (outcome) this.totals[outcome.replay ? 'replayed' : 'completed'] += 1;
    if (key === undefined) return;
    const entry = this.entry(key);
    entry.answers.push({ at: Date.now(), status });
    if (outcome) {
      entry[outcome.replay ? 'replayed' : 'completed'] += 1;
      this.stored.set(key, outcome.completion);
    }
  }

  log(): RequestLog {
    return { mode: this.mode, totals: { ...this.totals }, keys: Object.fromEntries(this.keys) };
  }

  private entry(key: string): KeyLog {
    let entry = this.keys.get(key);
    if (!entry) {
      entry = { received: 0, completed: 0, replayed: 0, answers: [] };
      this.keys.set(key, entry);
      if (this.keys.size > MAX_KEYS) {
        const oldest = this.keys.keys().next().value!;
        this.keys.delete(oldest);
        this.stored.delete(oldest);
      }
    }
    return entry;
  }
}
