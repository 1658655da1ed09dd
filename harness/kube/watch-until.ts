import { Watch, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';

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
  /** Extra context added to the timeout error (pod status, events, logs). */
  explain?: () => Promise<string>;
}

function key(object: KubernetesObject): string {
  return `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
}

/**
 * Waits until a collection satisfies a condition, driven by a real watch (list, then watch from that version;
 * relist if the watch ends), with a deadline. Resolves with the objects that satisfied it.
 */
export async function watchUntil<T extends KubernetesObject>(kc: KubeConfig, options: WatchUntilOptions<T>): Promise<T[]> {
  const deadline = Date.now() + options.timeoutMs;
  const objects = new Map<string, T>();
  let abort: AbortController | undefined;
  let timer: NodeJS.Timeout | undefined;
  let finished = false;
  let lastError: string | undefined;

  const outcome = new Promise<T[]>((resolve, reject) => {
    const check = (): boolean => {
      const current = [...objects.values()];
      if (!finished && options.satisfied(current)) {
        finished = true;
        resolve(current);
      }
      return finished;
    };

    const listAndWatch = async (): Promise<void> => {
      if (finished) return;
      try {
        const listed = await options.list();
        objects.clear();
        for (const item of listed.items) objects.set(key(item), item);
        if (check()) return;
        abort = await new Watch(kc).watch(
          options.path,
          { resourceVersion: listed.metadata?.resourceVersion, allowWatchBookmarks: true, labelSelector: options.labelSelector },
          (phase: string, object: T) => {
            if (phase === 'BOOKMARK') return;
            if (phase === 'DELETED') objects.delete(key(object));
            else objects.set(key(object), object);
            check();
          },
          () => void (finished || Date.now() > deadline ? undefined : setTimeout(listAndWatch, 200)),
        );
      } catch (error) {
        lastError = describeError(error);
        if (!finished && Date.now() < deadline) setTimeout(listAndWatch, 1000);
        else if (!finished) reject(error as Error);
      }
    };

    void listAndWatch();
    timer = setTimeout(async () => {
      if (finished) return;
      finished = true;
      const failing = lastError ? ` (the last API call failed: ${lastError})` : '';
      const context = options.explain ? `\n${await options.explain().catch((e: Error) => `(no diagnostics: ${describeError(e)})`)}` : '';
      reject(new Error(`timed out after ${Math.round(options.timeoutMs / 1000)} s waiting for ${options.what}${failing}${context}`));
    }, options.timeoutMs);
    timer.unref();
  });

  try {
    return await outcome;
  } finally {
    finished = true;
    clearTimeout(timer);
    abort?.abort();
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
