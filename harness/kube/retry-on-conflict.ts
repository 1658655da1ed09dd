/**
 * Runs a read-change-write against the API again when the write loses a race (409 Conflict: a controller updated the
 * object, e.g. its status, between the read and the write), as client-go's RetryOnConflict does. Each attempt must
 * read afresh.
 */
export async function retryOnConflict<T>(readChangeWrite: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await readChangeWrite();
    } catch (error) {
      if ((error as { code?: number }).code !== 409 || attempt >= attempts) throw error;
    }
  }
}
