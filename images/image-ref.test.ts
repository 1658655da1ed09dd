import { describe, expect, it } from 'vitest';
import { imageRepository, normalizeImageRef, parseImageRef } from './image-ref.js';

describe('normalizeImageRef', () => {
  it.each([
    ['postgres:16-bookworm', 'docker.io/library/postgres:16-bookworm'],
    ['redis', 'docker.io/library/redis:latest'],
    ['rancher/k3s:v1.34.4-k3s1', 'docker.io/rancher/k3s:v1.34.4-k3s1'],
    ['kube-microservices-suite/node:v1.34.4-0123456789ab', 'docker.io/kube-microservices-suite/node:v1.34.4-0123456789ab'],
    ['docker.io/library/postgres:16-bookworm', 'docker.io/library/postgres:16-bookworm'],
    ['docker.io/postgres:16-bookworm', 'docker.io/library/postgres:16-bookworm'],
    ['index.docker.io/library/redis:7', 'docker.io/library/redis:7'],
    ['quay.io/prometheus/prometheus:v3.0.0', 'quay.io/prometheus/prometheus:v3.0.0'],
    ['localhost/app:1', 'localhost/app:1'],
    ['localhost:5000/app', 'localhost:5000/app:latest'],
    ['registry.example.com:5000/team/app:1.2', 'registry.example.com:5000/team/app:1.2'],
    ['ghcr.io/owner/app@sha256:abc', 'ghcr.io/owner/app@sha256:abc'],
    ['redis@sha256:abc', 'docker.io/library/redis@sha256:abc'],
    ['redis:7@sha256:abc', 'docker.io/library/redis:7@sha256:abc'],
  ])('%s is %s', (ref, normalized) => {
    expect(normalizeImageRef(ref)).toBe(normalized);
  });

  it('is idempotent', () => {
    for (const ref of ['postgres:16-bookworm', 'rancher/k3s', 'localhost:5000/app', 'redis@sha256:abc']) {
      expect(normalizeImageRef(normalizeImageRef(ref))).toBe(normalizeImageRef(ref));
    }
  });

  it('treats a first component without a dot, colon or localhost as a Docker Hub namespace', () => {
    expect(parseImageRef('team/app:1')).toEqual({ domain: 'docker.io', path: 'team/app', tag: '1' });
    expect(parseImageRef('my-registry:5000/app')).toEqual({ domain: 'my-registry:5000', path: 'app' });
  });

  it('rejects a reference with an empty name, tag or digest', () => {
    for (const ref of ['', 'redis:', 'redis@', ':7']) expect(() => normalizeImageRef(ref)).toThrow(/invalid image reference/);
  });

  it('gives the repository without tag or digest', () => {
    expect(imageRepository('rancher/k3s:v1.34.4-k3s1')).toBe('docker.io/rancher/k3s');
    expect(imageRepository('redis@sha256:abc')).toBe('docker.io/library/redis');
  });
});
