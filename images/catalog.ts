import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Every image the suite needs: its upstream reference, and the local recipe that builds it with no registry. */
export interface ImageSpec {
  /** Short name used in code and on the command line: `redis`, `node`, `api-gateway`. */
  name: string;
  /** Folder under images/ with build.sh and recipe.json. */
  recipe: string;
  /** The local recipe's version (from recipe.json), part of the built tag. */
  version: string;
  /** The image a machine with registry access uses; absent for images only this project makes. */
  upstream?: string;
  /** Paths (relative to the repository) besides the recipe folder whose content goes into the cache key. */
  inputs: string[];
  /** Images whose resolved references the recipe needs (passed as env, e.g. BASE_IMAGE). */
  needs: Record<string, string>;
  /** Extra env for build.sh. */
  buildEnv: Record<string, string>;
  /** Whether a built image is kept as a tarball in the cache (worth it for slow recipes, not for seconds-long ones). */
  cacheTarball: boolean;
}

interface RecipeFile {
  version: string;
  upstream?: string;
}

function recipe(folder: string): RecipeFile {
  return JSON.parse(readFileSync(join(repoRoot, 'images', folder, 'recipe.json'), 'utf8')) as RecipeFile;
}

function fromRecipe(name: string, folder = name, extra: Partial<ImageSpec> = {}): ImageSpec {
  const file = recipe(folder);
  return {
    name,
    recipe: folder,
    version: file.version,
    ...(file.upstream ? { upstream: file.upstream } : {}),
    inputs: [],
    needs: {},
    buildEnv: {},
    cacheTarball: true,
    ...extra,
  };
}

function service(name: string): ImageSpec {
  return fromRecipe(name, 'service', {
    inputs: [`services/${name}`, 'services/shared', 'contracts', 'package-lock.json'],
    needs: { BASE_IMAGE: 'node-runtime' },
    buildEnv: { SERVICE: name },
    cacheTarball: false,
  });
}

/** maya-sawa: one image, four entry points (migrate, collectstatic, web, worker); the command picks the role. */
function mayaSawa(): ImageSpec {
  return fromRecipe('maya-sawa', 'service', {
    inputs: ['services/maya-sawa', 'services/shared', 'contracts', 'package-lock.json'],
    needs: { BASE_IMAGE: 'node-runtime' },
    buildEnv: { SERVICE: 'maya-sawa', ENTRY_POINTS: 'migrate collectstatic web worker', DEFAULT_ENTRY: 'web' },
    cacheTarball: false,
  });
}

/** The in-cluster stand-in for the OpenAI API that maya-sawa calls (services/openai-stand-in). */
export const OPENAI_STAND_IN = 'openai-stand-in';

export const SERVICES = ['api-gateway', 'worker', 'dashboard'] as const;
export type ServiceName = (typeof SERVICES)[number];

export const catalog: Record<string, ImageSpec> = Object.fromEntries(
  [
    fromRecipe('redis'),
    fromRecipe('postgres'),
    fromRecipe('node-runtime'),
    fromRecipe('node'),
    fromRecipe('traefik'),
    ...SERVICES.map(service),
    service(OPENAI_STAND_IN),
    mayaSawa(),
  ].map((spec) => [spec.name, spec]),
);

export function imageSpec(name: string): ImageSpec {
  const spec = catalog[name];
  if (!spec) throw new Error(`unknown image '${name}'; known: ${Object.keys(catalog).join(', ')}`);
  return spec;
}

/** The reference the manifests use for an image: its upstream name, or the project's own name for its services. */
export function manifestImageRef(spec: ImageSpec): string {
  return spec.upstream ?? `kube-microservices-suite/${spec.name}:${spec.version}`;
}
