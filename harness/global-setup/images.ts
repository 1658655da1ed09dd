import type { TestProject } from 'vitest/node';
import { configureTestcontainers } from '../testcontainers-env.js';
import { resolveImages } from '../../images/resolve.js';

/** Unit and contract tests need a real Redis: make its image available once, before any test file starts. */
export default async function setup(project: TestProject): Promise<void> {
  configureTestcontainers();
  const images = await resolveImages(['redis']);
  project.provide('redisImage', images.redis!);
}

declare module 'vitest' {
  export interface ProvidedContext {
    redisImage: string;
  }
}
