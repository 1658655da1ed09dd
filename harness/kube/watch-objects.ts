import { Watch, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';

export interface WatchObjectsOptions<T extends KubernetesObject> {
  /** The collection's watch path, e.g. /apis/discovery.k8s.io/v1/namespaces/demo/endpointslices. */
  path: string;
  /** Lists the collection (initial state and the resourceVersion to watch from). */
  list: () => Promise<{ items: T[]; metadata?: { resourceVersion?: string } }>;
  labelSelector?: string;
  /** Called with the whole current set after the list and after every event. */
  onChange: (objects: T[], at: number) => void;
  /** Called when a list or a watch request fails (the watch retries a second later). */
  onError?: (error: unknown) => void;
}

export interface ObjectsWatch {
  stop(): void;
}

const key = (object: KubernetesObject): string => `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;

/**
 * Follows a collection until stopped (list, then watch from that version; relist when the watch ends), reporting
 * the full set of objects on every change. Recordings use it directly; waits through watchUntil.
 */
export function watchObjects<T extends KubernetesObject>(kc: KubeConfig, options: WatchObjectsOptions<T>): ObjectsWatch {
  const objects = new Map<string, T>();
  let abort: AbortController | undefined;
  let stopped = false;

  const listAndWatch = async (): Promise<void> => {
    if (stopped) return;
    try {
      const listed = await options.list();
      objects.clear();
      for (const item of listed.items) objects.set(key(item), item);
      options.onChange([...objects.values()], Date.now());
      if (stopped) return;
      abort = await new Watch(kc).watch(
        options.path,
        { resourceVersion: listed.metadata?.resourceVersion, allowWatchBookmarks: true, labelSelector: options.labelSelector },
        (phase: string, object: T) => {
          if (phase === 'BOOKMARK') return;
          if (phase === 'DELETED') objects.delete(key(object));
          else objects.set(key(object), object);
          options.onChange([...objects.values()], Date.now());
        },
        () => void (stopped ? undefined : setTimeout(listAndWatch, 200)),
      );
      if (stopped) abort.abort();
    } catch (error) {
      options.onError?.(error);
      if (!stopped) setTimeout(listAndWatch, 1000);
    }
  };
  void listAndWatch();

  return {
    stop() {
      stopped = true;
      abort?.abort();
    },
  };
}
