import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { imageSpec } from './catalog.js';
import type { PullAttempt } from './docker-cli.js';
import { k3sSystemImages, k3sVersion, prepareK3sSystemImages, systemImagesKey, systemImagesTarball } from './k3s-airgap.js';
import { PullRateLimitError, RegistryPuller } from './registry-pull.js';

const NODE_UPSTREAM = imageSpec('node').upstream!;
const V1_34_4 = ['docker.io/rancher/mirrored-pause:3.6', 'docker.io/rancher/mirrored-coredns-coredns:1.14.1', 'docker.io/rancher/mirrored-metrics-server:v0.8.1'];

describe('k3s system images', () => {
  it("lists pause, CoreDNS and metrics-server for the catalog's rancher/k3s", () => {
    expect(NODE_UPSTREAM).toBe('rancher/k3s:v1.34.4-k3s1');
    expect(k3sVersion(NODE_UPSTREAM)).toBe('v1.34.4+k3s1');
    expect(k3sSystemImages(NODE_UPSTREAM)).toEqual(V1_34_4);
    expect(k3sSystemImages('docker.io/rancher/k3s:v1.34.4-k3s1')).toEqual(V1_34_4);
  });

  it('lists none for the offline node, another image, a version without a list or a digest', () => {
    for (const ref of ['kube-microservices-suite/node:v1.34.4-0123456789ab', 'redis:7.4-bookworm', 'rancher/k3s:v1.33.5-k3s1', 'rancher/k3s@sha256:abc', 'rancher/k3s']) {
      expect(k3sSystemImages(ref), ref).toEqual([]);
    }
    expect(k3sVersion('kube-microservices-suite/node:v1.34.4-0123456789ab')).toBeUndefined();
  });

  it('keys the tarball by the list, whatever its order', () => {
    const key = systemImagesKey(V1_34_4);
    expect(key).toMatch(/^[0-9a-f]{12}$/);
    expect(systemImagesKey([...V1_34_4].reverse())).toBe(key);
    expect(systemImagesKey([...V1_34_4.slice(0, 2), 'docker.io/rancher/mirrored-metrics-server:v0.8.2'])).not.toBe(key);
  });
});

describe('prepareK3sSystemImages', () => {
  const original = process.env.KMS_CACHE_DIR;
  let cache: string;
  beforeEach(() => {
    cache = mkdtempSync(join(tmpdir(), 'kms-airgap-'));
    process.env.KMS_CACHE_DIR = cache;
  });
  afterEach(() => {
    rmSync(cache, { recursive: true, force: true });
    if (original === undefined) delete process.env.KMS_CACHE_DIR;
    else process.env.KMS_CACHE_DIR = original;
  });

  function fakeDocker(present: string[], pullAnswers: Record<string, string> = {}) {
    const calls: string[] = [];
    const registry = new RegistryPuller({
      pull: async (ref): Promise<PullAttempt> => {
        calls.push(`pull ${ref}`);
        const answer = pullAnswers[ref];
        return answer ? { ok: false, output: answer } : { ok: true, output: '' };
      },
      sleep: async () => undefined,
    });
    const deps = {
      docker: {
        imageExists: async (ref: string) => present.includes(ref),
        saveImages: async (refs: string[], file: string) => {
          calls.push(`save ${refs.join(' ')}`);
          writeFileSync(file, refs.join('\n'));
        },
      },
      registry,
      log: () => undefined,
    };
    return { deps, calls };
  }

  it('pulls the missing images through the host Docker and saves all of them as one tarball in the cache', async () => {
    const { deps, calls } = fakeDocker(['docker.io/rancher/mirrored-pause:3.6']);
    const tarball = await prepareK3sSystemImages(NODE_UPSTREAM, deps);
    expect(tarball).toBe(systemImagesTarball(V1_34_4));
    expect(tarball!.startsWith(join(cache, 'images'))).toBe(true);
    expect(readFileSync(tarball!, 'utf8')).toBe(V1_34_4.join('\n'));
    expect(calls.sort()).toEqual([`pull ${V1_34_4[1]}`, `pull ${V1_34_4[2]}`, `save ${V1_34_4.join(' ')}`].sort());
  });

  it('reuses the cached tarball without asking Docker', async () => {
    const first = fakeDocker([]);
    await prepareK3sSystemImages(NODE_UPSTREAM, first.deps);
    const second = fakeDocker([]);
    expect(await prepareK3sSystemImages(NODE_UPSTREAM, second.deps)).toBe(systemImagesTarball(V1_34_4));
    expect(second.calls).toEqual([]);
  });

  it('does nothing for the offline node', async () => {
    const { deps, calls } = fakeDocker([]);
    expect(await prepareK3sSystemImages('kube-microservices-suite/node:v1.34.4-0123456789ab', deps)).toBeUndefined();
    expect(calls).toEqual([]);
  });

  it('stops on a rate limit with what to do, and leaves no tarball', async () => {
    const { deps } = fakeDocker([], { [V1_34_4[1]!]: 'Error response from daemon: toomanyrequests: You have reached your pull rate limit.' });
    await expect(prepareK3sSystemImages(NODE_UPSTREAM, deps)).rejects.toThrow(PullRateLimitError);
    expect(existsSync(systemImagesTarball(V1_34_4))).toBe(false);
  });

  it('says which image could not be had and why', async () => {
    const offline = 'Error response from daemon: Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 10.255.255.53:53: no such host';
    const { deps } = fakeDocker([], Object.fromEntries(V1_34_4.map((ref) => [ref, offline])));
    await expect(prepareK3sSystemImages(NODE_UPSTREAM, deps)).rejects.toThrow(
      /^k3s's system images for rancher\/k3s:v1\.34\.4-k3s1: cannot pull docker\.io\/rancher\/.*: Docker Hub cannot be reached from this machine/,
    );
  });
});
