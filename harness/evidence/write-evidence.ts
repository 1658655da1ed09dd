import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../images/catalog.js';
import { renderTimelineSvg, type ChartPanel } from './svg-chart.js';
import type { Timeline } from './timeline.js';

/** The panels most scenarios want: what Kubernetes reports, and what the clients saw. */
export const DEFAULT_PANELS: ChartPanel[] = [
  { title: 'Kubernetes: replicas and ready endpoints', series: ['desiredReplicas', 'readyReplicas', 'updatedReplicas', 'readyEndpoints', 'restarts'] },
  { title: 'Clients: requests and failures per second', series: ['requests', 'failures'] },
];

/**
 * Writes a timeline as artifacts/<scenario>/<name>.json and .svg (artifacts/ is gitignored) and returns the paths,
 * so a person can see what happened in a run, passing or failing.
 */
export function writeEvidence(timeline: Timeline, panels: ChartPanel[] = DEFAULT_PANELS): { json: string; svg: string } {
  timeline.end();
  const data = timeline.toJSON();
  const dir = join(repoRoot, 'artifacts', timeline.scenario);
  mkdirSync(dir, { recursive: true });
  const json = join(dir, `${timeline.name}.json`);
  const svg = join(dir, `${timeline.name}.svg`);
  writeFileSync(json, `${JSON.stringify(data, null, 2)}\n`);
  writeFileSync(svg, renderTimelineSvg(data, panels));
  return { json, svg };
}
