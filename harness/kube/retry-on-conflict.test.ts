import { describe, expect, it } from 'vitest';
import { retryOnConflict } from './retry-on-conflict.js';

const conflict = Object.assign(new Error('the object has been modified'), { code: 409 });

describe('retryOnConflict', () => {
  it('runs the read-change-write again after a 409, and returns what the winning attempt wrote', async () => {
    let calls = 0;
    const written = await retryOnConflict(async () => {
      calls += 1;
      if (calls < 3) throw conflict;
      return `attempt ${calls}`;
    });
    expect(written).toBe('attempt 3');
  });

  it('gives up after the last attempt, and never retries another error', async () => {
    let calls = 0;
    await expect(retryOnConflict(async () => ((calls += 1), Promise.reject(conflict)), 3)).rejects.toBe(conflict);
    expect(calls).toBe(3);
    const forbidden = Object.assign(new Error('forbidden'), { code: 403 });
    calls = 0;
    await expect(retryOnConflict(async () => ((calls += 1), Promise.reject(forbidden)))).rejects.toBe(forbidden);
    expect(calls).toBe(1);
  });
});
