/** Milliseconds rounded to two decimals, as latencies are logged and reported. */
export const roundMs = (ms: number): number => Math.round(ms * 100) / 100;
