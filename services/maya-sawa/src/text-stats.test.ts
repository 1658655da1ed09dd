import { describe, expect, it } from 'vitest';
import { textStats } from './text-stats.js';

describe('textStats', () => {
  it('counts words, lines and characters, and ranks the most frequent words', () => {
    const stats = textStats('The cat saw the dog.\nThe dog ran!');
    expect(stats).toMatchObject({ characters: 33, lines: 2, words: 8, uniqueWords: 5 });
    expect(stats.topWords).toEqual([
      { word: 'the', count: 3 },
      { word: 'dog', count: 2 },
      { word: 'cat', count: 1 },
      { word: 'ran', count: 1 },
      { word: 'saw', count: 1 },
    ]);
  });

  it('is deterministic and fingerprints the exact text', () => {
    expect(textStats('héllo wörld').sha256).toBe(textStats('héllo wörld').sha256);
    expect(textStats('abc').sha256).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(textStats('').words).toBe(0);
  });
});
