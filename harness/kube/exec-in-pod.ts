import { Exec, type V1Status } from '@kubernetes/client-node';
import { Writable } from 'node:stream';
import type { KubeClients } from './clients.js';

function collector(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

/** Runs a command in a pod's container through the API (as `kubectl exec` does); rejects on a non-zero exit. */
export async function execInPod(
  clients: KubeClients,
  target: { namespace: string; pod: string; container: string },
  command: string[],
  timeoutMs = 30_000,
): Promise<string> {
  const stdout = collector();
  const stderr = collector();
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`exec '${command.join(' ')}' in ${target.pod} timed out`)), timeoutMs);
    new Exec(clients.kc)
      .exec(target.namespace, target.pod, target.container, command, stdout.stream, stderr.stream, null, false, (status: V1Status) => {
        clearTimeout(timer);
        if (status.status === 'Success') resolve(stdout.text());
        else reject(new Error(`exec '${command.join(' ')}' in ${target.pod} failed: ${status.message ?? ''} ${stderr.text()}`.trim()));
      })
      .catch((error: Error) => {
        clearTimeout(timer);
        reject(error);
      });
  });
}
