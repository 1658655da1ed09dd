import { Observable, type ConfigurationOptions, type ObservableMiddleware, type V1Deployment, type V1Pod } from '@kubernetes/client-node';
import type { KubeClients } from './clients.js';

/** What the API server said to a pod: admitted (with the warnings it returned, e.g. Pod Security's), or refused. */
export type Admission = { admitted: true; warnings: string[] } | { admitted: false; status: number; message: string };

const statusOf = (error: unknown): number | undefined => (error as { code?: unknown }).code as number | undefined;

function messageOf(error: unknown): string {
  const body = (error as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      return String((JSON.parse(body) as { message?: unknown }).message ?? body);
    } catch {
      return body;
    }
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * Creates a pod (with `dryRun`, only as far as admission: nothing is stored) and reports what the API server said,
 * including the Warning headers of an admitted pod, which the client otherwise drops.
 */
export async function admitPod(clients: KubeClients, namespace: string, pod: V1Pod, options: { dryRun: boolean }): Promise<Admission> {
  const warnings: string[] = [];
  // The object-parameter API passes its options to the observable API: its middleware returns Observables.
  const captureWarnings: ObservableMiddleware = {
    pre: (context) => new Observable(Promise.resolve(context)),
    post: (response) => {
      const header = response.headers['warning'];
      if (header) warnings.push(header);
      return new Observable(Promise.resolve(response));
    },
  };
  const configuration: ConfigurationOptions = { middleware: [captureWarnings], middlewareMergeStrategy: 'append' };
  try {
    await clients.core.createNamespacedPod({ namespace, body: pod, ...(options.dryRun ? { dryRun: 'All' } : {}) }, configuration);
    return { admitted: true, warnings };
  } catch (error) {
    const status = statusOf(error);
    if (status === undefined) throw error;
    return { admitted: false, status, message: messageOf(error) };
  }
}

/** A pod made from a Deployment's template, as its ReplicaSet would make one (for a dry-run admission). */
export function podFromTemplate(deployment: V1Deployment, namespace: string): V1Pod {
  const template = deployment.spec?.template;
  if (!template?.spec) throw new Error(`Deployment ${deployment.metadata?.name} has no pod template`);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${deployment.metadata?.name}-admission-check`, namespace, labels: template.metadata?.labels ?? {} },
    spec: template.spec,
  };
}
