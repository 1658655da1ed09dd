import { setTimeout as sleep } from 'node:timers/promises';
import { hostDocker, type PullAttempt } from './docker-cli.js';
import { parseImageRef } from './image-ref.js';
import { classifyPullError, type PullFailure } from './pull-error.js';

/** How a pull ended. A rate limit never comes back as a result: it is thrown (PullRateLimitError), whoever pulls. */
export type PullResult =
  | { ok: true; attempts: number }
  | { ok: false; failure: Exclude<PullFailure, 'rate-limited'>; reason: string; attempts: number };

export type FailedPull = Extract<PullResult, { ok: false }>;

export class PullRateLimitError extends Error {
  override readonly name = 'PullRateLimitError';
}

export interface RegistryPullerOptions {
  pull(ref: string): Promise<PullAttempt>;
  /** Tries of a pull that fails with a transient error (default 3). */
  attempts?: number;
  /** The wait before each retry, in order (default 1 s, then 3 s). */
  backoffMs?: readonly number[];
  sleep?(ms: number): Promise<void>;
  log?(message: string): void;
}

/** The registry of a reference, as users know it: `Docker Hub`, or its host. */
export function registryName(ref: string): string {
  const { domain } = parseImageRef(ref);
  return domain === 'docker.io' ? 'Docker Hub' : domain;
}

export function rateLimitMessage(ref: string, reason: string): string {
  return (
    `${registryName(ref)}'s pull rate limit was hit pulling ${ref} (${reason}). Anonymous pulls are limited per IP ` +
    'address: log in (`docker login`) to pull under your account\'s limit, wait for the limit to reset, or set ' +
    'KMS_IMAGE_SOURCE=local to build every image locally instead (no registry; the node image takes about 30 min cold).'
  );
}

/** What to tell the user about a failed pull, with the registry's own words. */
export function pullFailureMessage(ref: string, result: FailedPull): string {
  switch (result.failure) {
    case 'unreachable':
      return `cannot pull ${ref}: ${registryName(ref)} cannot be reached from this machine (${result.reason}); set KMS_IMAGE_SOURCE=local to build the images locally`;
    case 'not-found':
      return `cannot pull ${ref}: ${registryName(ref)} has no such image, or shows it only after \`docker login\` (${result.reason})`;
    case 'transient':
      return `cannot pull ${ref}: ${registryName(ref)} failed ${result.attempts} times in a row (${result.reason}); try again later, or set KMS_IMAGE_SOURCE=local to build the images locally`;
    case 'other':
      return `cannot pull ${ref}: ${result.reason}`;
  }
}

/**
 * Pulls images through the host's Docker (so the user's `docker login`, proxy and mirrors apply), with the rules of the
 * whole suite: transient errors are tried again, a rate limit stops with what to do, and a registry found unreachable
 * is not tried again in this process (an offline machine pays one failed pull, not one per image).
 */
export class RegistryPuller {
  /** Per registry host, the first pull's verdict: why the registry is unreachable, or undefined when it answered. */
  private readonly verdicts = new Map<string, Promise<string | undefined>>();
  private readonly attempts: number;
  private readonly backoffMs: readonly number[];

  constructor(private readonly options: RegistryPullerOptions) {
    this.attempts = options.attempts ?? 3;
    this.backoffMs = options.backoffMs ?? [1000, 3000];
  }

  async pull(ref: string): Promise<PullResult> {
    const registry = parseImageRef(ref).domain;
    const verdict = this.verdicts.get(registry);
    if (verdict) {
      const unreachable = await verdict;
      if (unreachable !== undefined) return { ok: false, failure: 'unreachable', reason: unreachable, attempts: 0 };
      return this.pullWithRetries(ref);
    }
    const pulling = this.pullWithRetries(ref);
    this.verdicts.set(
      registry,
      pulling.then(
        (result) => (!result.ok && result.failure === 'unreachable' ? result.reason : undefined),
        () => undefined, // a rate limit: the registry answered
      ),
    );
    return pulling;
  }

  private async pullWithRetries(ref: string): Promise<PullResult> {
    for (let attempt = 1; ; attempt++) {
      this.options.log?.(`pulling ${ref}${attempt > 1 ? ` (attempt ${attempt} of ${this.attempts})` : ''}`);
      const pulled = await this.options.pull(ref);
      if (pulled.ok) return { ok: true, attempts: attempt };
      const reason = lastLine(pulled.output);
      const failure = classifyPullError(pulled.output);
      if (failure === 'rate-limited') throw new PullRateLimitError(rateLimitMessage(ref, reason));
      if (failure !== 'transient' || attempt >= this.attempts) return { ok: false, failure, reason, attempts: attempt };
      const wait = this.backoffMs[Math.min(attempt - 1, this.backoffMs.length - 1)] ?? 0;
      this.options.log?.(`pulling ${ref} failed (${reason}); trying again in ${wait / 1000} s`);
      await (this.options.sleep ?? sleep)(wait);
    }
  }
}

/** docker pull prints progress and warnings before the error; the last line is the error. */
function lastLine(output: string): string {
  return output.trim().split('\n').pop()?.trim() || 'docker pull failed without a message';
}

/** The puller of this process: resolution and the k3s system images share its verdicts. */
export const hostRegistry = new RegistryPuller({
  pull: (ref) => hostDocker.pullImage(ref),
  log: (message) => console.log(`[images] ${message}`),
});
