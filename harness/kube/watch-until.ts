import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { watchObjects, type ObjectsWatch } from './watch-objects.js';

export interface WatchUntilOptions<T extends KubernetesObject> {
  /** What is awaited, in words, for the error message: "deployments in microservices-demo to be available". */
  what: string;
  /** The collection's watch path, e.g. /apis/apps/v1/namespaces/demo/deployments. */
  path: string;
  /** Lists the collection (the initial state and the resourceVersion to watch from). */
  list: () => Promise<{ items: T[]; metadata?: { resourceVersion?: string } }>;
  /** Whether the current set of objects satisfies the wait. */
  satisfied: (objects: T[]) => boolean;
  timeoutMs: number;
  labelSelector?: string;
  /** Diagnostics added to the timeout error (a namespace's pods, events, logs: namespaceDiagnostics). */
  diagnostics?: () => Promise<string>;
}

/**
 * Waits until a collection satisfies a condition, driven by a real watch (watchObjects: list, then watch from that
 * version; relist if the watch ends), with a deadline. Resolves with the objects that satisfied it.
 */
export async function watchUntil<T extends KubernetesObject>(kc: KubeConfig, options: WatchUntilOptions<T>): Promise<T[]> {
  let lastError: string | undefined;
  let watch: ObjectsWatch | undefined;
  let timer: NodeJS.Timeout | undefined;
  let finished = false;

  const outcome = new Promise<T[]>((resolve, reject) => {
    watch = watchObjects<T>(kc, {
      path: options.path,
      list: options.list,
      labelSelector: options.labelSelector,
      onChange: (objects) => {
        if (!finished && options.satisfied(objects)) {
          finished = true;
          resolve(objects);
        }
      },
      onError: (error) => {
        lastError = describeError(error);
      },
    });
    timer = setTimeout(async () => {
      if (finished) return;
      finished = true;
      const failing = lastError ? ` (the last API call failed: ${lastError})` : '';
      const diagnostics = options.diagnostics;
      const context = diagnostics ? `\n${await diagnostics().catch((e: Error) => `(no diagnostics: ${describeError(e)})`)}` : '';
      reject(new Error(`timed out after ${Math.round(options.timeoutMs / 1000)} s waiting for ${options.what}${failing}${context}`));
    }, options.timeoutMs);
    timer.unref();
  });

  try {
    return await outcome;
  } finally {
    finished = true;
    clearTimeout(timer);
    watch?.stop();
  }
}

/** An error with its causes: fetch's "fetch failed" only says why in `cause` (e.g. connect ECONNREFUSED host:port). */
export function describeError(error: unknown): string {
  const messages: string[] = [];
  for (let current = error; current instanceof Error && messages.length < 4; current = current.cause) {
    messages.push(current.message);
  }
  return messages.length > 0 ? messages.join(': ') : String(error);
}
