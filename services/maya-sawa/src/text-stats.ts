import { createHash } from 'node:crypto';

export interface TextStats {
  characters: number;
  lines: number;
  words: number;
  uniqueWords: number;
  topWords: { word: string; count: number }[];
  sha256: string;
}

/** The worker's job: deterministic statistics of a text (same text, same answer, on any pod). */
export function textStats(text: string): TextStats {
  const words = text.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];
  const counts = new Map<string, number>();
  for (const word of words) counts.set(word, (counts.get(word) ?? 0) + 1);
  const topWords = [...counts.entries()]
    .sort(([a, ca], [b, cb]) => cb - ca || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, 5)
    .map(([word, count]) => ({ word, count }));
  return {
    characters: [...text].length,
    lines: text === '' ? 0 : text.split(/\r\n|\r|\n/).length,
    words: words.length,
    uniqueWords: counts.size,
    topWords,
    sha256: createHash('sha256').update(text, 'utf8').digest('hex'),
  };
}
