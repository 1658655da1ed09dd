// npm run images -- <command> [image...]
//   resolve [image...]   make each image available (present, pulled or built; see images/resolve.ts); default: all
//   list                 the catalog: upstream reference and local tag of each image
//   clean                delete the cache folder (built image tarballs, compiled binaries, logs) and the locally
//                        built images (kube-microservices-suite/*)
import { rmSync } from 'node:fs';
import { cacheRoot } from './cache.js';
import { catalog } from './catalog.js';
import { run } from './docker-cli.js';
import { imageSource, resolveImages } from './resolve.js';

async function main(): Promise<void> {
  const [command = 'resolve', ...names] = process.argv.slice(2);
  switch (command) {
    case 'resolve':
    case 'build': {
      const started = Date.now();
      await resolveImages(names.length > 0 ? names : Object.keys(catalog));
      console.log(`[images] ready in ${((Date.now() - started) / 1000).toFixed(1)} s (KMS_IMAGE_SOURCE=${imageSource()})`);
      return;
    }
    case 'list':
      for (const spec of Object.values(catalog)) {
        console.log(`${spec.name.padEnd(14)} upstream=${spec.upstream ?? '-'}  recipe=images/${spec.recipe} v${spec.version}`);
      }
      console.log(`cache: ${cacheRoot()}`);
      return;
    case 'clean': {
      rmSync(cacheRoot(), { recursive: true, force: true });
      console.log(`removed ${cacheRoot()}`);
      const listed = await run('docker', ['image', 'ls', '--filter', 'reference=kube-microservices-suite/*', '--format', '{{.Repository}}:{{.Tag}}']);
      const refs = listed.stdout.split('\n').filter(Boolean);
      if (refs.length > 0) await run('docker', ['image', 'rm', ...refs]);
      console.log(`removed ${refs.length} local image tag(s)`);
      return;
    }
    default:
      throw new Error(`unknown command '${command}': use resolve, list or clean`);
  }
}

main().catch((error: unknown) => {
  console.error(`[images] ${(error as Error).message}`);
  process.exit(1);
});
