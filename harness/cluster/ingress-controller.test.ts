import { describe, expect, it } from 'vitest';
import { ingressControllerMode } from './ingress-controller.js';

describe('ingress controller mode', () => {
  it("uses k3s's bundled Traefik on a k3s image, and deploys images/traefik on the suite's own node image", () => {
    expect(ingressControllerMode('rancher/k3s:v1.34.4-k3s1')).toBe('bundled');
    expect(ingressControllerMode('registry.example.com/mirror/k3s:v1.33.5-k3s1')).toBe('bundled');
    expect(ingressControllerMode('kube-microservices-suite/node:v1.34.4-25dd01ee1432')).toBe('deployed');
  });
});
