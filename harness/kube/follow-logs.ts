import { Log } from '@kubernetes/client-node';
import { Writable } from 'node:stream';
import type { KubeClients } from './clients.js';

export interface FollowedLog {
  /** The complete lines received so far, from the container's start. */
  lines(): string[];
  /** Resolves when the log ends: the container exited. */
  ended: Promise<void>;
}

/** Follows a container's log from its first line (as `kubectl logs -f`) until the container exits. */
export async function followLog(clients: KubeClients, target: { namespace: string; pod: string; container: string }): Promise<FollowedLog> {
  const lines: string[] = [];
  let partial = '';
  let finished!: () => void;
  const ended = new Promise<void>((resolve) => (finished = resolve));
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const parts = (partial + chunk.toString()).split('\n');
      partial = parts.pop() ?? '';
      lines.push(...parts.filter((line) => line.length > 0));
      done();
    },
    final(done) {
      if (partial) lines.push(partial);
      partial = '';
      done();
    },
  });
  stream.on('finish', finished);
  stream.on('close', finished);
  await new Log(clients.kc).log(target.namespace, target.pod, target.container, stream, { follow: true });
  return { lines: () => [...lines], ended };
}
