import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { TimelineData } from '../evidence/timeline.js';

/** One phase's timeline (harness/evidence/write-evidence.ts): its chart, its figures and its marks. */
export interface TimelineEvidence {
  name: string;
  /** The chart's markup, to inline. */
  svg: string;
  /** Paths relative to the artifacts folder. */
  svgFile: string;
  jsonFile: string;
  figures: TimelineData['figures'];
  marks: TimelineData['marks'];
  startedAt: string;
  seconds: number;
}

/** What a scenario file left in artifacts/<scenario>/ during this run. */
export interface ScenarioEvidence {
  timelines: TimelineEvidence[];
  /** Screenshots and other pictures, relative to the artifacts folder. */
  images: string[];
}

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp', '.gif']);

/**
 * The evidence a scenario wrote to artifacts/<scenario>/ since `since` (ms): files an earlier run left there and
 * this one did not rewrite are not this run's evidence.
 */
export function scenarioEvidence(artifactsDir: string, scenario: string, since: number): ScenarioEvidence {
  const dir = join(artifactsDir, scenario);
  const evidence: ScenarioEvidence = { timelines: [], images: [] };
  if (!existsSync(dir)) return evidence;
  const fresh = readdirSync(dir)
    .filter((name) => statSync(join(dir, name)).mtimeMs >= since)
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  for (const name of fresh) {
    const extension = extname(name);
    if (IMAGE_EXTENSIONS.has(extension)) evidence.images.push(`${scenario}/${name}`);
    if (extension !== '.json') continue;
    const svgName = `${basename(name, '.json')}.svg`;
    if (!fresh.includes(svgName)) continue;
    const data = JSON.parse(readFileSync(join(dir, name), 'utf8')) as TimelineData;
    evidence.timelines.push({
      name: data.name,
      svg: readFileSync(join(dir, svgName), 'utf8'),
      svgFile: `${scenario}/${svgName}`,
      jsonFile: `${scenario}/${name}`,
      figures: data.figures,
      marks: data.marks,
      startedAt: data.startedAt,
      seconds: data.seconds,
    });
  }
  evidence.timelines.sort((a, b) => a.startedAt.localeCompare(b.startedAt)); // in the order the phases ran
  return evidence;
}
