import type { TestProject } from 'vitest/node';
import { chooseReaper, configureTestcontainers } from '../testcontainers-env.js';
import { resolveImages } from '../../images/resolve.js';

/** Unit and contract tests need a real Redis and PostgreSQL: make their images available once, before any test file starts. */
export default async function setup(project: TestProject): Promise<void> {
  await chooseReaper();
  configureTestcontainers();
  const images = await resolveImages(['redis', 'postgres']);
  project.provide('redisImage', images.redis!);
  project.provide('postgresImage', images.postgres!);
}

declare module 'vitest' {
  export interface ProvidedContext {
    redisImage: string;
    postgresImage: string;
  }
}
