/** An image reference split into its parts, as Docker reads it. */
export interface ImageRefParts {
  /** The registry host (and port): `docker.io` when the reference names none. */
  domain: string;
  /** The repository path within the registry: `library/redis`, `rancher/k3s`. */
  path: string;
  tag?: string;
  digest?: string;
}

const DOCKER_HUB = 'docker.io';

/**
 * Splits a reference by Docker's rules: the first path component is a registry when it has a dot or a colon or is
 * `localhost`, else the registry is Docker Hub, where a one-component name lives under `library/`.
 */
export function parseImageRef(ref: string): ImageRefParts {
  const [name = '', digest] = ref.split('@', 2);
  const lastSlash = name.lastIndexOf('/');
  const tagSeparator = name.indexOf(':', lastSlash + 1);
  const repository = tagSeparator >= 0 ? name.slice(0, tagSeparator) : name;
  const tag = tagSeparator >= 0 ? name.slice(tagSeparator + 1) : undefined;
  if (!repository || tag === '' || digest === '') throw new Error(`invalid image reference '${ref}'`);

  const slash = repository.indexOf('/');
  const first = slash >= 0 ? repository.slice(0, slash) : '';
  const hasRegistry = first !== '' && (first.includes('.') || first.includes(':') || first === 'localhost');
  let domain = hasRegistry ? first : DOCKER_HUB;
  let path = hasRegistry ? repository.slice(slash + 1) : repository;
  if (domain === 'index.docker.io') domain = DOCKER_HUB;
  if (domain === DOCKER_HUB && !path.includes('/')) path = `library/${path}`;
  return { domain, path, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/**
 * The fully qualified form of a reference, as containerd lists images: `postgres:16-bookworm` is
 * `docker.io/library/postgres:16-bookworm`, `rancher/k3s` is `docker.io/rancher/k3s:latest`.
 */
export function normalizeImageRef(ref: string): string {
  const { domain, path, tag, digest } = parseImageRef(ref);
  const version = tag === undefined && digest === undefined ? ':latest' : `${tag !== undefined ? `:${tag}` : ''}${digest !== undefined ? `@${digest}` : ''}`;
  return `${domain}/${path}${version}`;
}

/** The repository of a reference, fully qualified and without tag or digest: `docker.io/rancher/k3s`. */
export function imageRepository(ref: string): string {
  const { domain, path } = parseImageRef(ref);
  return `${domain}/${path}`;
}
