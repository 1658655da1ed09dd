import { createHash } from 'node:crypto';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from './cache.js';
import { hostDocker, type DockerImages } from './docker-cli.js';
import { imageRepository, parseImageRef } from './image-ref.js';
import { withLock } from './lock.js';
import { hostRegistry, pullFailureMessage, type RegistryPuller } from './registry-pull.js';

/**
 * The images k3s itself runs, per k3s version, when started with --disable=traefik,servicelb,local-storage (the
 * suite's node settings): the pod sandbox (pause), CoreDNS and metrics-server. Without them on the node, its
 * containerd pulls them from Docker Hub anonymously at every start (and every agent again), which Docker Hub's
 * per-IP limit for anonymous pulls soon refuses.
 *
 * Where the list comes from (k3s-io/k3s, branch release-1.34, up to the tag v1.34.4+k3s1, "Update to v1.34.4-k3s1",
 * #13636):
 *   - pause: pkg/cli/cmds/const_linux.go, DefaultPauseImage = rancher/mirrored-pause:3.6 (the containerd sandbox
 *     image; bumped to 3.10.2 only in July 2026, #14391, after this tag);
 *   - CoreDNS and metrics-server: manifests/coredns.yaml and manifests/metrics-server/metrics-server-deployment.yaml,
 *     bumped to 1.14.1 and v0.8.1 by #13609 (merged 2026-02-10, before the tag);
 *   - left out, as the suite disables what runs them: klipper-helm (HelmChart jobs: Traefik), klipper-lb (servicelb),
 *     local-path-provisioner and busybox (local-storage), mirrored-library-traefik.
 * The release's k3s-images.txt (scripts/airgap/image-list.txt) lists the same three plus the left-out ones.
 * For another version, add its list here; an unlisted version gets none (its node pulls them itself, as before).
 */
const SYSTEM_IMAGES: Record<string, readonly string[]> = {
  'v1.34.4+k3s1': [
    'docker.io/rancher/mirrored-pause:3.6',
    'docker.io/rancher/mirrored-coredns-coredns:1.14.1',
    'docker.io/rancher/mirrored-metrics-server:v0.8.1',
  ],
};

/** Where k3s imports image tarballs from as it starts (.tar, .tar.gz, .tar.zst, ...); the offline node reads it too. */
export const K3S_AIRGAP_IMAGES_DIR = '/var/lib/rancher/k3s/agent/images';
/** Where the harness puts the system images' tarball in a node container. */
export const K3S_SYSTEM_IMAGES_TARGET = `${K3S_AIRGAP_IMAGES_DIR}/kms-k3s-system-images.tar`;

/** The k3s version of a rancher/k3s reference (`rancher/k3s:v1.34.4-k3s1` is v1.34.4+k3s1); undefined for other images. */
export function k3sVersion(nodeImage: string): string | undefined {
  if (imageRepository(nodeImage) !== 'docker.io/rancher/k3s') return undefined;
  const tag = parseImageRef(nodeImage).tag;
  return tag && /^v\d+\.\d+\.\d+-k3s\d+$/.test(tag) ? tag.replace(/-(k3s\d+)$/, '+$1') : undefined;
}

/**
 * The system images the node runs: for rancher/k3s of a listed version, its pause, CoreDNS and metrics-server; none
 * for the suite's offline node (it has them baked in), nor for a k3s version without a list.
 */
export function k3sSystemImages(nodeImage: string): string[] {
  const version = k3sVersion(nodeImage);
  return version ? [...(SYSTEM_IMAGES[version] ?? [])] : [];
}

/** The tarball's key: the list's content, whatever its order. */
export function systemImagesKey(images: readonly string[]): string {
  return createHash('sha256').update([...images].sort().join('\n')).digest('hex').slice(0, 12);
}

export function systemImagesTarball(images: readonly string[]): string {
  return join(cacheDir('images'), `k3s-system-images-${systemImagesKey(images)}.tar`);
}

export interface SystemImagesDeps {
  docker: Pick<DockerImages, 'imageExists' | 'saveImages'>;
  registry: Pick<RegistryPuller, 'pull'>;
  log(message: string): void;
}

const hostDeps: SystemImagesDeps = {
  docker: hostDocker,
  registry: hostRegistry,
  log: (message) => console.log(`[images] ${message}`),
};

/**
 * Makes the node's system images one `docker save` tarball in the cache (keyed by the list) and returns its path, for
 * the harness to copy to K3S_SYSTEM_IMAGES_TARGET in each node container before it boots; undefined when the node
 * needs none. The images come through the host's Docker (present, else pulled with the suite's pull rules: retries,
 * a rate limit stops with what to do), so the user's `docker login`, proxy and mirrors apply.
 * Not run for real where this was written: that machine reaches no registry; the unit tests drive it with a fake Docker.
 */
export async function prepareK3sSystemImages(nodeImage: string, deps: SystemImagesDeps = hostDeps): Promise<string | undefined> {
  if (imageRepository(nodeImage) !== 'docker.io/rancher/k3s') return undefined; // the offline node has them baked in
  const images = k3sSystemImages(nodeImage);
  if (images.length === 0) {
    const version = k3sVersion(nodeImage);
    deps.log(
      `${nodeImage}: no system image list for ${version ? `k3s ${version}` : 'this tag'} in images/k3s-airgap.ts; the node's containerd pulls pause, CoreDNS and metrics-server itself, anonymously`,
    );
    return undefined;
  }
  const tarball = systemImagesTarball(images);
  return withLock(`k3s-system-images-${systemImagesKey(images)}`, async () => {
    if (existsSync(tarball)) return tarball;
    await Promise.all(
      images.map(async (ref) => {
        if (await deps.docker.imageExists(ref)) return;
        const pulled = await deps.registry.pull(ref);
        if (!pulled.ok) throw new Error(`k3s's system images for ${nodeImage}: ${pullFailureMessage(ref, pulled)}`);
      }),
    );
    // Written aside, then renamed: an interrupted save never leaves a tarball that looks complete.
    const partial = `${tarball}.partial-${process.pid}`;
    try {
      await deps.docker.saveImages(images, partial);
      renameSync(partial, tarball);
    } finally {
      rmSync(partial, { force: true });
    }
    deps.log(`${nodeImage}: system images (${images.join(', ')}) saved to ${tarball}`);
    return tarball;
  });
}
