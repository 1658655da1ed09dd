/** The median of a list of figures, with its min and max: how the bench reports anything measured several times. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  values: number[];
}

export function spread(values: readonly number[], decimals = 2): Spread {
  if (values.length === 0) throw new Error('spread of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  const round = (value: number) => Math.round(value * 10 ** decimals) / 10 ** decimals;
  return { median: round(median), min: round(sorted[0]!), max: round(sorted.at(-1)!), values: [...values] };
}

/** "0.93 (0.91–0.95)" */
export const formatSpread = (entry: Spread): string =>
  entry.min === entry.max ? `${entry.median}` : `${entry.median} (${entry.min}–${entry.max})`;
