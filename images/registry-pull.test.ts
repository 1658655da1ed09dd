import { describe, expect, it } from 'vitest';
import type { PullAttempt } from './docker-cli.js';
import { PullRateLimitError, RegistryPuller } from './registry-pull.js';

const OFFLINE = 'Error response from daemon: Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 10.255.255.53:53: no such host';
const RATE_LIMIT = 'Error response from daemon: toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit';
const UNAVAILABLE = 'Error response from daemon: received unexpected HTTP status: 503 Service Unavailable';

/** A puller whose `docker pull` answers from a script, per reference, in order (the last answer repeats). */
function scripted(answers: Record<string, Array<PullAttempt | string>>) {
  const pulls: string[] = [];
  const waits: number[] = [];
  const puller = new RegistryPuller({
    pull: async (ref) => {
      pulls.push(ref);
      const script = answers[ref] ?? ['ok'];
      const answer = script[Math.min(pulls.filter((pulled) => pulled === ref).length - 1, script.length - 1)]!;
      return typeof answer === 'string' ? (answer === 'ok' ? { ok: true, output: '' } : { ok: false, output: answer }) : answer;
    },
    sleep: async (ms) => {
      waits.push(ms);
    },
  });
  return { puller, pulls, waits };
}

describe('RegistryPuller', () => {
  it('pulls once when the pull works', async () => {
    const { puller, pulls } = scripted({});
    expect(await puller.pull('redis:7.4-bookworm')).toEqual({ ok: true, attempts: 1 });
    expect(pulls).toEqual(['redis:7.4-bookworm']);
  });

  it('tries a transient error 3 times in all, waiting 1 s then 3 s, and reports the last error', async () => {
    const { puller, pulls, waits } = scripted({ 'redis:7.4-bookworm': [UNAVAILABLE] });
    expect(await puller.pull('redis:7.4-bookworm')).toEqual({ ok: false, failure: 'transient', reason: UNAVAILABLE, attempts: 3 });
    expect(pulls).toHaveLength(3);
    expect(waits).toEqual([1000, 3000]);
  });

  it('stops retrying once a transient error clears', async () => {
    const { puller, pulls } = scripted({ 'redis:7.4-bookworm': [UNAVAILABLE, 'ok'] });
    expect(await puller.pull('redis:7.4-bookworm')).toEqual({ ok: true, attempts: 2 });
    expect(pulls).toHaveLength(2);
  });

  it('does not retry what another try cannot fix', async () => {
    const { puller, pulls } = scripted({ 'redis:nope': ['Error response from daemon: manifest for redis:nope not found: manifest unknown: manifest unknown'] });
    expect(await puller.pull('redis:nope')).toMatchObject({ ok: false, failure: 'not-found', attempts: 1 });
    expect(pulls).toHaveLength(1);
  });

  it("stops on a rate limit with Docker Hub's limit named and what to do", async () => {
    const { puller, pulls } = scripted({ 'redis:7.4-bookworm': [RATE_LIMIT] });
    const error = await puller.pull('redis:7.4-bookworm').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PullRateLimitError);
    const message = (error as Error).message;
    expect(message).toMatch(/^Docker Hub's pull rate limit was hit pulling redis:7\.4-bookworm \(.*toomanyrequests/);
    expect(message).toContain('`docker login`');
    expect(message).toContain('KMS_IMAGE_SOURCE=local');
    expect(pulls).toHaveLength(1);
  });

  it('names another registry by its host in the rate-limit message', async () => {
    const { puller } = scripted({ 'ghcr.io/owner/app:1': [RATE_LIMIT] });
    await expect(puller.pull('ghcr.io/owner/app:1')).rejects.toThrow(/^ghcr\.io's pull rate limit was hit/);
  });

  it('probes a registry once: after an unreachable verdict, no image of that registry is pulled again', async () => {
    const { puller, pulls } = scripted({ 'redis:7.4-bookworm': [OFFLINE], 'node:24-bookworm-slim': [OFFLINE] });
    const [redis, node] = await Promise.all([puller.pull('redis:7.4-bookworm'), puller.pull('node:24-bookworm-slim')]);
    const later = await puller.pull('rancher/mirrored-pause:3.6');
    for (const result of [redis, node, later]) expect(result).toMatchObject({ ok: false, failure: 'unreachable', reason: OFFLINE });
    expect(pulls).toEqual(['redis:7.4-bookworm']);
  });

  it('keeps the verdicts of registries apart', async () => {
    const { puller, pulls } = scripted({ 'redis:7.4-bookworm': [OFFLINE] });
    await puller.pull('redis:7.4-bookworm');
    expect(await puller.pull('registry.example.com/team/app:1')).toEqual({ ok: true, attempts: 1 });
    expect(pulls).toEqual(['redis:7.4-bookworm', 'registry.example.com/team/app:1']);
  });

  it('goes on pulling once the registry has answered, a rate limit included', async () => {
    const { puller, pulls } = scripted({ 'redis:7.4-bookworm': [RATE_LIMIT] });
    await expect(puller.pull('redis:7.4-bookworm')).rejects.toThrow(PullRateLimitError);
    expect(await puller.pull('postgres:16-bookworm')).toEqual({ ok: true, attempts: 1 });
    expect(pulls).toEqual(['redis:7.4-bookworm', 'postgres:16-bookworm']);
  });
});
