import { imagePinVariable, suiteConfig, type Env, type ImageSource } from '../harness/suite-config.js';
import { imageSpec, type ImageSpec } from './catalog.js';
import { hostDocker, type DockerImages } from './docker-cli.js';
import { imageRepository } from './image-ref.js';
import { resolveLocalRecipe, type LocalOrigin } from './local-recipe.js';
import { hostRegistry, pullFailureMessage, registryName, type RegistryPuller } from './registry-pull.js';

export { buildRecordsFile } from './local-recipe.js';

/**
 * How an image is obtained, from KMS_IMAGE_SOURCE (harness/suite-config.ts):
 *   auto      (default) an image present locally is used; otherwise the upstream image is pulled; only when the
 *             registry cannot be reached at all does the local recipe build it (its tarball is cached, so the next
 *             run loads it in seconds). A rate limit or a registry failure stops with what to do instead.
 *   upstream  only the upstream image (present or pulled); fails if it cannot be had
 *   local     only the local recipe (from the docker cache, the tarball cache, or a build); never pulls
 * KMS_IMAGE_<NAME> pins one image to a given reference, whatever the source.
 * The offline node image (images/node) takes only local images beside it: see sourceBesideNode.
 */
export type { ImageSource };

export function imageSource(env: Env = process.env): ImageSource {
  return suiteConfig(env).imageSource;
}

export type ImageOrigin = 'pinned' | 'upstream-present' | 'upstream-pulled' | LocalOrigin;

export interface ResolvedImage {
  name: string;
  ref: string;
  origin: ImageOrigin;
  seconds: number;
}

/** The suite's own offline node image (images/node), whatever its tag. */
export function isOfflineNodeImage(ref: string): boolean {
  return imageRepository(ref) === 'docker.io/kube-microservices-suite/node';
}

/**
 * The source of the images that go into a node: the offline node's containerd 1.6 fails to `ctr import` upstream
 * multi-arch images (kind issue #3795), so beside it every image is built locally, whatever KMS_IMAGE_SOURCE says.
 */
export function sourceBesideNode(node: Pick<ResolvedImage, 'ref'>, requested: ImageSource): ImageSource {
  if (!isOfflineNodeImage(node.ref)) return requested;
  if (requested === 'upstream') {
    throw new Error(
      `the node is the offline image ${node.ref}, which cannot import upstream images (kind#3795), but KMS_IMAGE_SOURCE=upstream: use KMS_IMAGE_SOURCE=auto or local, or pin a rancher/k3s node with KMS_IMAGE_NODE`,
    );
  }
  return 'local';
}

export interface ResolverDeps {
  docker: Pick<DockerImages, 'imageExists'>;
  registry: Pick<RegistryPuller, 'pull'>;
  /** The local recipe's image (docker, tarball cache or a build), given the references of the images it needs. */
  resolveLocal(spec: ImageSpec, needed: Record<string, string>): Promise<{ ref: string; origin: LocalOrigin }>;
  spec(name: string): ImageSpec;
  env: Env;
  log(message: string): void;
}

/** Resolves catalog images to references present in the local Docker engine; one resolution per image and source. */
export class ImageResolver {
  private readonly inFlight = new Map<string, Promise<ResolvedImage>>();
  private fallbackAnnounced = false;

  constructor(private readonly deps: ResolverDeps) {}

  resolve(name: string, source: ImageSource = imageSource(this.deps.env)): Promise<ResolvedImage> {
    const key = `${name}@${source}`;
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.resolveUncached(name, source);
      this.inFlight.set(key, pending);
      pending.catch(() => this.inFlight.delete(key));
    }
    return pending;
  }

  /**
   * Resolves several images, logging one line per image with where it came from and how long it took. When `names`
   * includes `node`, the node is resolved first and decides the source of the others (sourceBesideNode).
   */
  async resolveAll(names: readonly string[]): Promise<Record<string, string>> {
    const resolved: Record<string, string> = {};
    const record = (image: ResolvedImage) => {
      this.deps.log(`${image.name}: ${image.ref} (${image.origin}, ${image.seconds.toFixed(1)} s)`);
      resolved[image.name] = image.ref;
    };
    let source = imageSource(this.deps.env);
    if (names.includes('node')) {
      const node = await this.resolve('node', source);
      record(node);
      source = sourceBesideNode(node, source);
      if (isOfflineNodeImage(node.ref)) this.warnAboutPins(names, node.ref);
    }
    for (const name of names.filter((name) => name !== 'node')) record(await this.resolve(name, source));
    return resolved;
  }

  private warnAboutPins(names: readonly string[], node: string): void {
    const pins = suiteConfig(this.deps.env).imagePins;
    for (const name of names) {
      const pinned = name !== 'node' ? pins[name] : undefined;
      if (pinned) {
        this.deps.log(
          `warning: ${imagePinVariable(name)}=${pinned} is used as pinned beside the offline node ${node}; if it is an upstream multi-arch image, loading it into the node fails (kind#3795)`,
        );
      }
    }
  }

  private async resolveUncached(name: string, source: ImageSource): Promise<ResolvedImage> {
    const spec = this.deps.spec(name);
    const started = Date.now();
    const done = (ref: string, origin: ImageOrigin): ResolvedImage => ({ name, ref, origin, seconds: (Date.now() - started) / 1000 });

    const pinned = suiteConfig(this.deps.env).imagePins[name];
    if (pinned) {
      if (await this.deps.docker.imageExists(pinned)) return done(pinned, 'pinned');
      const pulled = await this.deps.registry.pull(pinned);
      if (!pulled.ok) {
        throw new Error(`${imagePinVariable(name)}=${pinned} is not present locally and cannot be pulled (${pulled.failure}: ${pulled.reason}); load it into Docker, or unset ${imagePinVariable(name)}`);
      }
      return done(pinned, 'pinned');
    }

    if (source !== 'local' && spec.upstream) {
      const upstream = spec.upstream;
      // Present locally: used as it is, no registry contact.
      if (await this.deps.docker.imageExists(upstream)) return done(upstream, 'upstream-present');
      const pulled = await this.deps.registry.pull(upstream);
      if (pulled.ok) return done(upstream, 'upstream-pulled');
      if (source === 'upstream' || pulled.failure !== 'unreachable') {
        throw new Error(`${name}: ${pullFailureMessage(upstream, pulled)}${source === 'upstream' ? ' (KMS_IMAGE_SOURCE=upstream)' : ''}`);
      }
      if (!this.fallbackAnnounced) {
        this.fallbackAnnounced = true;
        this.deps.log(
          `${name}: ${registryName(upstream)} cannot be reached from this machine (${pulled.reason}); KMS_IMAGE_SOURCE=auto builds the images from their local recipes`,
        );
      }
    } else if (source === 'upstream' && !spec.upstream && Object.keys(spec.needs).length === 0) {
      throw new Error(`image '${name}' has no upstream reference; use KMS_IMAGE_SOURCE=auto or local`);
    }

    const needed = Object.fromEntries(
      await Promise.all(Object.entries(spec.needs).map(async ([variable, image]) => [variable, (await this.resolve(image, source)).ref] as const)),
    );
    const local = await this.deps.resolveLocal(spec, needed);
    return done(local.ref, local.origin);
  }
}

const hostResolver = new ImageResolver({
  docker: hostDocker,
  registry: hostRegistry,
  resolveLocal: resolveLocalRecipe,
  spec: imageSpec,
  env: process.env,
  log: (message) => console.log(`[images] ${message}`),
});

/** Resolves an image of the catalog to a reference present in the local Docker engine. */
export function resolveImage(name: string, source?: ImageSource): Promise<ResolvedImage> {
  return hostResolver.resolve(name, source);
}

/**
 * Resolves several images to references present in the local Docker engine (name to reference). With `node` among
 * them, the node comes first and an offline node makes the others local (sourceBesideNode).
 */
export function resolveImages(names: readonly string[]): Promise<Record<string, string>> {
  return hostResolver.resolveAll(names);
}
