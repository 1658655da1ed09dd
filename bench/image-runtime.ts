// How the images really run the services, read from where it is defined, so the bench measures what the cluster runs:
// the Node flags of the service image's command (images/service/build.sh), the runtime image's ENV
// (images/node-runtime/build.sh), and each container's environment and memory limit in the overlay `npm run up`
// deploys, with its ConfigMap's values resolved (NODE_OPTIONS would come from there too).
import type { V1ConfigMap, V1Deployment } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../images/catalog.js';
import { serviceImageNodeFlags } from '../images/service/node-flags.js';
import { renderKustomization } from '../harness/kustomize.js';

export const DEPLOYED_OVERLAY = 'manifests/overlays/local';

export interface ServiceRuntime {
  /** Flags between `node` and the entry point in the image's CMD, e.g. ["--max-semi-space-size=16", "--expose-gc"]. */
  nodeFlags: string[];
  /** ENV of the runtime image (NODE_ENV=production). */
  imageEnv: Record<string, string>;
  /** Per service: the container's literal and ConfigMap-sourced variables (Secrets and downward API left out). */
  containerEnv: Record<string, Record<string, string>>;
  /**
   * Per service: the container's memory limit, in bytes. Node sizes its heap from the memory it is confined to (a
   * cgroup's limit, else the machine's), and V8 lets a small heap grow less between collections: the same load leaves
   * about 110 MB resident under the gateway's 512Mi and 140-150 MB unconfined on a 24 GiB machine.
   */
  memoryLimitBytes: Record<string, number>;
}

const QUANTITY_UNITS: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 };

/** A Kubernetes memory quantity ("512Mi", "1G", "268435456") in bytes. */
export function quantityBytes(quantity: string): number {
  const match = /^(\d+(?:\.\d+)?)(k|M|G|Ki|Mi|Gi)?$/.exec(quantity);
  if (!match) throw new Error(`not a memory quantity this bench reads: '${quantity}' (a number with k, M, G, Ki, Mi or Gi)`);
  return Math.round(Number(match[1]) * QUANTITY_UNITS[match[2] ?? '']!);
}

function envOfRuntimeImage(): Record<string, string> {
  const script = readFileSync(join(repoRoot, 'images', 'node-runtime', 'build.sh'), 'utf8');
  return Object.fromEntries([...script.matchAll(/'ENV ([A-Z_]+)=([^']*)'/g)].map((match) => [match[1]!, match[2]!]));
}

export async function serviceRuntime(services: readonly string[]): Promise<ServiceRuntime> {
  const objects = await renderKustomization(join(repoRoot, DEPLOYED_OVERLAY));
  const configMaps = new Map(
    objects.filter((object) => object.kind === 'ConfigMap').map((object) => [object.metadata?.name ?? '', (object as V1ConfigMap).data ?? {}]),
  );
  const containerEnv: Record<string, Record<string, string>> = {};
  const memoryLimitBytes: Record<string, number> = {};
  for (const service of services) {
    const deployment = objects.find((object) => object.kind === 'Deployment' && object.metadata?.name === service) as V1Deployment | undefined;
    const container = deployment?.spec?.template.spec?.containers.find((candidate) => candidate.name === service);
    if (!container) throw new Error(`${DEPLOYED_OVERLAY}: no Deployment ${service} with a container of that name`);
    const env: Record<string, string> = {};
    for (const variable of container.env ?? []) {
      const fromConfigMap = variable.valueFrom?.configMapKeyRef;
      if (variable.value !== undefined) env[variable.name] = variable.value;
      else if (fromConfigMap) {
        const value = configMaps.get(fromConfigMap.name ?? '')?.[fromConfigMap.key];
        if (value !== undefined) env[variable.name] = value;
      }
    }
    containerEnv[service] = env;
    const memoryLimit = container.resources?.limits?.memory;
    if (!memoryLimit) throw new Error(`${DEPLOYED_OVERLAY}: the ${service} container has no memory limit`);
    memoryLimitBytes[service] = quantityBytes(memoryLimit);
  }
  return { nodeFlags: serviceImageNodeFlags(), imageEnv: envOfRuntimeImage(), containerEnv, memoryLimitBytes };
}
