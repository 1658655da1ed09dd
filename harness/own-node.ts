import type { KubernetesObject, V1PodSpec } from '@kubernetes/client-node';
import { afterAll, beforeAll } from 'vitest';
import type { ConnectedCluster } from './cluster/connected-cluster.js';
import type { JoinedAgent } from './cluster/join-agents.js';
import { dedicatedTaint } from './dedicated-node.js';
import { podSpecOf } from './kustomize.js';
import { seconds } from './seconds.js';

/** Where a file's pods run: on its own node when it has one, else wherever the scheduler puts them. */
export interface OwnNode {
  /** Returns copies of the objects whose pod templates tolerate the file's node and are kept on it (unchanged without one). */
  place(objects: KubernetesObject[]): KubernetesObject[];
}

/**
 * In a scenario file that deploys a workload of its own rather than a copy of the monitoring system (maya-sawa-v2):
 * when the suite started the cluster, an agent joins for the file (beforeAll), with `images` loaded, registered with
 * a taint only the file's pods tolerate, and is removed when the file is done (afterAll). Its pods are placed there
 * (`place`, before applying). So such a file runs beside the lanes (harness/scenario-system.ts) without taking the
 * server's CPU requests, which the lanes' copies of the system fill on a 2-core machine. On a cluster the suite did
 * not start (KMS_KUBECONFIG) no node is added: the images are made available as for any file, and the pods go where
 * the scheduler puts them. Call it in the describe, before the file's own hooks.
 */
export function useOwnNode(cluster: ConnectedCluster, scenario: string, images: readonly string[]): OwnNode {
  let agent: JoinedAgent | undefined;
  beforeAll(async () => {
    if (cluster.info.mode === 'external') {
      await cluster.ensureImages([...images]);
      return;
    }
    const started = Date.now();
    const taint = dedicatedTaint(scenario);
    [agent] = await cluster.addAgents(1, { images: [...images], taints: [`${taint.key}=${taint.value}:${taint.effect}`], namePrefix: `kms-${scenario}` });
    console.log(`[${scenario}] runs on its own node, ${agent!.nodeName}: Ready ${agent!.joinSeconds} s after its container started, its images loaded ${seconds(Date.now() - started)} s after the start`);
  });
  afterAll(async () => {
    if (agent) await cluster.removeAgent(agent.container);
  });
  return {
    place(objects) {
      return agent ? placeOnNode(objects, scenario, agent.nodeName) : objects;
    },
  };
}

/** Copies of the objects with every pod template tolerating the scenario's dedicated taint and selecting `nodeName`. */
export function placeOnNode(objects: readonly KubernetesObject[], scenario: string, nodeName: string): KubernetesObject[] {
  const taint = dedicatedTaint(scenario);
  return objects.map((object) => {
    const copy = structuredClone(object);
    const spec = podSpecOf(copy as unknown as Record<string, unknown>) as V1PodSpec | undefined;
    if (spec) {
      spec.tolerations = [...(spec.tolerations ?? []), { ...taint, operator: 'Equal' }];
      spec.nodeSelector = { ...spec.nodeSelector, 'kubernetes.io/hostname': nodeName };
    }
    return copy;
  });
}
