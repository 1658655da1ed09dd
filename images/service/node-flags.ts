// The Node flags the service images run with, read from where they are defined (the CMD of images/service/build.sh),
// for what must run the services as the images do: the bench, and the tests of what those flags enable.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../catalog.js';

/** The flags between `node` and the entry point in the service image's CMD, e.g. ["--max-semi-space-size=16", "--expose-gc"]. */
export function serviceImageNodeFlags(): string[] {
  const script = readFileSync(join(repoRoot, 'images', 'service', 'build.sh'), 'utf8');
  const cmd = /^CMD \[(.*)\]$/m.exec(script)?.[1];
  if (!cmd) throw new Error('images/service/build.sh: no CMD [...] line to read the Node flags from');
  const words = JSON.parse(`[${cmd}]`) as string[];
  if (words[0] !== 'node') throw new Error(`images/service/build.sh: the CMD does not start with node: ${cmd}`);
  return words.slice(1).filter((word) => word.startsWith('-'));
}
