import { afterEach, describe, expect, it } from 'vitest';
import { catalog, imageSpec, manifestImageRef, type ImageSpec } from './catalog.js';
import type { PullAttempt } from './docker-cli.js';
import { localTag, recipeKey } from './recipe-key.js';
import { PullRateLimitError, RegistryPuller } from './registry-pull.js';
import { ImageResolver, imageSource, isOfflineNodeImage, sourceBesideNode } from './resolve.js';

describe('image catalog and recipe keys', () => {
  const original = process.env.KMS_IMAGE_SOURCE;
  afterEach(() => {
    if (original === undefined) delete process.env.KMS_IMAGE_SOURCE;
    else process.env.KMS_IMAGE_SOURCE = original;
  });

  it('gives every image a recipe, and an upstream reference to every image that is not ours', () => {
    for (const name of ['node', 'redis', 'node-runtime']) expect(imageSpec(name).upstream, name).toBeTruthy();
    for (const name of ['api-gateway', 'worker', 'dashboard']) {
      expect(imageSpec(name).upstream).toBeUndefined();
      expect(manifestImageRef(imageSpec(name))).toBe(`kube-microservices-suite/${name}:0.1.0`);
    }
    expect(() => imageSpec('nope')).toThrow(/unknown image 'nope'/);
  });

  it('keys a recipe by its content: the base image it builds on and its build env change the key', () => {
    const gateway = catalog['api-gateway']!;
    const key = recipeKey(gateway, { BASE_IMAGE: 'a:1' });
    expect(key).toMatch(/^[0-9a-f]{12}$/);
    expect(recipeKey(gateway, { BASE_IMAGE: 'a:1' })).toBe(key);
    expect(recipeKey(gateway, { BASE_IMAGE: 'a:2' })).not.toBe(key);
    expect(recipeKey({ ...gateway, buildEnv: { SERVICE: 'worker' } }, { BASE_IMAGE: 'a:1' })).not.toBe(key);
    expect(recipeKey(catalog.worker!, { BASE_IMAGE: 'a:1' })).not.toBe(key);
    expect(localTag(gateway, key)).toBe(`kube-microservices-suite/api-gateway:0.1.0-${key}`);
  });

  it('accepts only auto, upstream or local as KMS_IMAGE_SOURCE', () => {
    delete process.env.KMS_IMAGE_SOURCE;
    expect(imageSource()).toBe('auto');
    process.env.KMS_IMAGE_SOURCE = 'local';
    expect(imageSource()).toBe('local');
    process.env.KMS_IMAGE_SOURCE = 'pull';
    expect(() => imageSource()).toThrow(/^KMS_IMAGE_SOURCE=pull: give auto, upstream or local$/);
  });
});

const OFFLINE = 'Error response from daemon: Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 10.255.255.53:53: no such host';
const RATE_LIMIT = 'Error response from daemon: toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit';
const UNAVAILABLE = 'Error response from daemon: received unexpected HTTP status: 503 Service Unavailable';

/**
 * A resolver on a fake Docker: `present` images exist, `pull` answers per reference ('ok' or docker pull's stderr;
 * unlisted references pull fine), local recipes "build" to kube-microservices-suite/<name>:local.
 */
function fakeResolver(options: { present?: string[]; pull?: Record<string, string>; env?: NodeJS.ProcessEnv } = {}) {
  const present = new Set(options.present ?? []);
  const pulls: string[] = [];
  const builds: Array<{ name: string; needed: Record<string, string> }> = [];
  const logs: string[] = [];
  const registry = new RegistryPuller({
    pull: async (ref): Promise<PullAttempt> => {
      pulls.push(ref);
      const answer = options.pull?.[ref] ?? 'ok';
      return answer === 'ok' ? { ok: true, output: '' } : { ok: false, output: answer };
    },
    sleep: async () => undefined,
  });
  const resolver = new ImageResolver({
    docker: { imageExists: async (ref) => present.has(ref) },
    registry,
    resolveLocal: async (spec: ImageSpec, needed) => {
      builds.push({ name: spec.name, needed });
      return { ref: `kube-microservices-suite/${spec.name}:local`, origin: 'local-built' };
    },
    spec: imageSpec,
    env: options.env ?? {},
    log: (message) => logs.push(message),
  });
  return { resolver, pulls, builds, logs };
}

describe('image resolution (KMS_IMAGE_SOURCE)', () => {
  it('auto: uses an upstream image present locally without contacting the registry', async () => {
    const { resolver, pulls, builds } = fakeResolver({ present: ['redis:7.4-bookworm'] });
    expect(await resolver.resolve('redis')).toMatchObject({ ref: 'redis:7.4-bookworm', origin: 'upstream-present' });
    expect(pulls).toEqual([]);
    expect(builds).toEqual([]);
  });

  it('auto: a pullable upstream image wins over a cached local build', async () => {
    const { resolver, pulls, builds } = fakeResolver({ present: ['kube-microservices-suite/redis:local'] });
    expect(await resolver.resolve('redis')).toMatchObject({ ref: 'redis:7.4-bookworm', origin: 'upstream-pulled' });
    expect(pulls).toEqual(['redis:7.4-bookworm']);
    expect(builds).toEqual([]);
  });

  it('auto: falls back to the local recipes only when the registry is unreachable, saying so once, probing once', async () => {
    const { resolver, pulls, builds, logs } = fakeResolver({ pull: { 'redis:7.4-bookworm': OFFLINE, 'postgres:16-bookworm': OFFLINE } });
    expect(await resolver.resolveAll(['redis', 'postgres'])).toEqual({
      redis: 'kube-microservices-suite/redis:local',
      postgres: 'kube-microservices-suite/postgres:local',
    });
    expect(pulls).toEqual(['redis:7.4-bookworm']);
    expect(builds.map((build) => build.name)).toEqual(['redis', 'postgres']);
    const fallbacks = logs.filter((line) => line.includes('cannot be reached'));
    expect(fallbacks).toEqual([`redis: Docker Hub cannot be reached from this machine (${OFFLINE}); KMS_IMAGE_SOURCE=auto builds the images from their local recipes`]);
  });

  it('auto: stops on a rate limit with what to do, and builds nothing', async () => {
    const { resolver, builds } = fakeResolver({ pull: { 'redis:7.4-bookworm': RATE_LIMIT } });
    const error = await resolver.resolve('redis').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PullRateLimitError);
    expect((error as Error).message).toMatch(/Docker Hub's pull rate limit was hit.*`docker login`.*KMS_IMAGE_SOURCE=local/);
    expect(builds).toEqual([]);
  });

  it('auto: retries a transient error 3 times, then fails instead of building', async () => {
    const { resolver, pulls, builds } = fakeResolver({ pull: { 'redis:7.4-bookworm': UNAVAILABLE } });
    await expect(resolver.resolve('redis')).rejects.toThrow(/redis: cannot pull redis:7\.4-bookworm: Docker Hub failed 3 times in a row .*503/);
    expect(pulls).toHaveLength(3);
    expect(builds).toEqual([]);
  });

  it('auto: an upstream image the registry does not have is an error, not a build', async () => {
    const { resolver, builds } = fakeResolver({ pull: { 'redis:7.4-bookworm': 'Error response from daemon: manifest for redis:7.4-bookworm not found: manifest unknown: manifest unknown' } });
    await expect(resolver.resolve('redis')).rejects.toThrow(/has no such image/);
    expect(builds).toEqual([]);
  });

  it('upstream: an unreachable registry is an error', async () => {
    const { resolver, builds } = fakeResolver({ pull: { 'redis:7.4-bookworm': OFFLINE }, env: { KMS_IMAGE_SOURCE: 'upstream' } });
    await expect(resolver.resolve('redis')).rejects.toThrow(/cannot be reached from this machine.*\(KMS_IMAGE_SOURCE=upstream\)/);
    expect(builds).toEqual([]);
  });

  it('local: builds from the recipe without looking upstream, the images it builds on too', async () => {
    const { resolver, pulls, builds } = fakeResolver({ present: ['node:24-bookworm-slim'], env: { KMS_IMAGE_SOURCE: 'local' } });
    expect(await resolver.resolve('api-gateway')).toMatchObject({ ref: 'kube-microservices-suite/api-gateway:local', origin: 'local-built' });
    expect(pulls).toEqual([]);
    expect(builds).toEqual([
      { name: 'node-runtime', needed: {} },
      { name: 'api-gateway', needed: { BASE_IMAGE: 'kube-microservices-suite/node-runtime:local' } },
    ]);
  });

  it('resolves each image once per source, however often it is asked for', async () => {
    const { resolver, pulls } = fakeResolver();
    await Promise.all([resolver.resolve('redis'), resolver.resolve('redis'), resolver.resolveAll(['redis'])]);
    expect(pulls).toEqual(['redis:7.4-bookworm']);
  });

  it('KMS_IMAGE_<NAME>: a pinned reference has an origin of its own, present or pulled', async () => {
    const env = { KMS_IMAGE_REDIS: 'kube-microservices-suite/redis:mine', KMS_IMAGE_POSTGRES: 'postgres:17' };
    const { resolver, pulls } = fakeResolver({ present: ['kube-microservices-suite/redis:mine'], env });
    expect(await resolver.resolve('redis')).toMatchObject({ ref: 'kube-microservices-suite/redis:mine', origin: 'pinned' });
    expect(await resolver.resolve('postgres')).toMatchObject({ ref: 'postgres:17', origin: 'pinned' });
    expect(pulls).toEqual(['postgres:17']);
  });

  it('KMS_IMAGE_<NAME>: a pinned reference that cannot be had names its variable', async () => {
    const { resolver } = fakeResolver({ pull: { 'postgres:17': OFFLINE }, env: { KMS_IMAGE_POSTGRES: 'postgres:17' } });
    await expect(resolver.resolve('postgres')).rejects.toThrow(/^KMS_IMAGE_POSTGRES=postgres:17 is not present locally and cannot be pulled \(unreachable: /);
  });
});

describe('the node decides the source of the images beside it', () => {
  it('knows the offline node image by its repository, whatever the tag', () => {
    expect(isOfflineNodeImage('kube-microservices-suite/node:v1.34.4-0123456789ab')).toBe(true);
    expect(isOfflineNodeImage('docker.io/kube-microservices-suite/node:x')).toBe(true);
    expect(isOfflineNodeImage('rancher/k3s:v1.34.4-k3s1')).toBe(false);
    expect(isOfflineNodeImage('kube-microservices-suite/node-runtime:x')).toBe(false);
  });

  it('makes everything local beside the offline node, and refuses KMS_IMAGE_SOURCE=upstream there', () => {
    const offline = { ref: 'kube-microservices-suite/node:v1.34.4-0123456789ab' };
    expect(sourceBesideNode(offline, 'auto')).toBe('local');
    expect(sourceBesideNode(offline, 'local')).toBe('local');
    expect(() => sourceBesideNode(offline, 'upstream')).toThrow(/cannot import upstream images \(kind#3795\)/);
    for (const source of ['auto', 'upstream', 'local'] as const) expect(sourceBesideNode({ ref: 'rancher/k3s:v1.34.4-k3s1' }, source)).toBe(source);
  });

  it('resolves the node first; an offline node makes the others local although their upstream images are present', async () => {
    const { resolver, builds } = fakeResolver({
      present: ['redis:7.4-bookworm', 'node:24-bookworm-slim'],
      pull: { 'rancher/k3s:v1.34.4-k3s1': OFFLINE },
    });
    expect(await resolver.resolveAll(['redis', 'api-gateway', 'node'])).toEqual({
      node: 'kube-microservices-suite/node:local',
      redis: 'kube-microservices-suite/redis:local',
      'api-gateway': 'kube-microservices-suite/api-gateway:local',
    });
    expect(builds.map((build) => build.name)).toEqual(['node', 'redis', 'node-runtime', 'api-gateway']);
  });

  it.each(['auto', 'local'])('keeps an image pinned beside the offline node, with a warning (KMS_IMAGE_SOURCE=%s)', async (source) => {
    const env = { KMS_IMAGE_SOURCE: source, KMS_IMAGE_NODE: 'kube-microservices-suite/node:mine', KMS_IMAGE_REDIS: 'redis:7.4-bookworm' };
    const { resolver, logs } = fakeResolver({ present: ['kube-microservices-suite/node:mine', 'redis:7.4-bookworm'], env });
    expect(await resolver.resolveAll(['node', 'redis'])).toEqual({ node: 'kube-microservices-suite/node:mine', redis: 'redis:7.4-bookworm' });
    expect(logs.filter((line) => line.startsWith('warning:'))).toEqual([
      'warning: KMS_IMAGE_REDIS=redis:7.4-bookworm is used as pinned beside the offline node kube-microservices-suite/node:mine; if it is an upstream multi-arch image, loading it into the node fails (kind#3795)',
    ]);
  });

  it('leaves the others upstream beside a rancher/k3s node', async () => {
    const { resolver, builds } = fakeResolver({ present: ['redis:7.4-bookworm'] });
    expect(await resolver.resolveAll(['node', 'redis'])).toEqual({ node: 'rancher/k3s:v1.34.4-k3s1', redis: 'redis:7.4-bookworm' });
    expect(builds).toEqual([]);
  });
});
