/**
 * Polls `check` until it returns true, with a deadline: for code outside a vitest test (benchmarks, scripts) that
 * cannot use vi.waitFor. Rejects with `what` and the last error `check` threw, if any.
 */
export async function pollUntil(what: string, check: () => boolean | Promise<boolean>, options: { timeoutMs: number; intervalMs?: number }): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${Math.round(options.timeoutMs / 1000)} s waiting for ${what}${cause}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 500));
  }
}
