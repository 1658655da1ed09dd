import { spawn } from 'node:child_process';

/**
 * Loads images from the local Docker engine into a node's containerd (the k8s.io namespace the kubelet uses):
 * `docker save` streamed into `ctr images import -` inside the node container. Works for the offline node image and
 * for rancher/k3s alike (both have ctr). Pods then use the images with imagePullPolicy IfNotPresent.
 */
export async function loadImagesIntoNode(containerId: string, refs: string[]): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const save = spawn('docker', ['save', ...refs], { stdio: ['ignore', 'pipe', 'pipe'] });
    const load = spawn('docker', ['exec', '-i', containerId, 'ctr', '-n', 'k8s.io', 'images', 'import', '-'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let errors = '';
    save.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    load.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    save.stdout.pipe(load.stdin);
    save.on('error', reject);
    load.on('error', reject);
    load.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`loading ${refs.join(', ')} into node ${containerId.slice(0, 12)} failed: ${errors.trim()}`)),
    );
  });
}
