/**
 * Gives back the memory V8 grew into while loading the service, once it is loaded: a full collection that also shrinks
 * the young generation (V8's "last resort" flavour). Loading the bundle keeps almost everything it allocates, and V8
 * answers that by growing the young generation to its maximum (the images' `--max-semi-space-size=16`: 32 MB reserved,
 * 16 MB resident); an idle service then never collects again, so it would keep it until its first load. Under load it
 * grows back, which is what it is for (bench/results: fewer objects of in-flight requests copied and promoted).
 *
 * Needs `gc`, which the images expose (`node --expose-gc`, images/service/build.sh); elsewhere (tests, `tsx` runs) it
 * does nothing and says so.
 */
export function releaseStartupMemory(collect: NodeJS.GCFunction | undefined = globalThis.gc): { released: boolean; durationMs: number } {
  if (typeof collect !== 'function') return { released: false, durationMs: 0 };
  const startedAt = performance.now();
  collect({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  return { released: true, durationMs: Math.round(performance.now() - startedAt) };
}
