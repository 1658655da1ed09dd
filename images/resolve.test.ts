import { afterEach, describe, expect, it } from 'vitest';
import { catalog, imageSpec, manifestImageRef } from './catalog.js';
import { localTag, recipeKey } from './recipe-key.js';
import { imageSource } from './resolve.js';

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
    expect(() => imageSource()).toThrow(/KMS_IMAGE_SOURCE must be auto, upstream or local/);
  });
});
