import type { KubeClients } from './clients.js';

/** One sample of the Prometheus text format: `name{label="value",...} value`. */
export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** The samples of a Prometheus text exposition (comments and blank lines skipped). */
export function parseMetrics(text: string): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const line of text.split('\n')) {
    const match = SAMPLE.exec(line.trim());
    if (!match || line.startsWith('#')) continue;
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(LABEL)].map(([, key, value]) => [key!, value!]));
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The sum of a metric's samples whose labels include `labels`. */
export function sumOf(samples: readonly MetricSample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value))
    .reduce((sum, sample) => sum + sample.value, 0);
}

/** One pod's /metrics, through the API server's pod proxy (so exactly that pod answers, wherever it runs). */
export async function scrapePod(clients: KubeClients, target: { namespace: string; pod: string; port: number }): Promise<MetricSample[]> {
  const text: unknown = await clients.core.connectGetNamespacedPodProxyWithPath({ name: `${target.pod}:${target.port}`, namespace: target.namespace, path: 'metrics' });
  if (typeof text !== 'string') throw new Error(`pod ${target.pod}: /metrics answered ${typeof text}, not text`);
  return parseMetrics(text);
}
