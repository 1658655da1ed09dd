/** Milliseconds as seconds with one decimal, for figures and assertion messages. */
export const seconds = (ms: number): number => Math.round(ms / 100) / 10;
