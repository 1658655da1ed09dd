import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { scenarioLanes } from './system.js';

/** A scenario file as the sequencer sees it: its path, its size, and whether it deploys a copy of the system (takes a lane). */
export interface ScenarioFile {
  id: string;
  size: number;
  takesLane: boolean;
}

/** A file takes a lane when it deploys a copy of the monitoring system (harness/scenario.ts, harness/scenario-system.ts). */
export const takesLane = (source: string): boolean => /\buse(Scenario|System)\(/.test(source);

/**
 * The order in which the scenario files start. Lane files (a copy of the system each) largest first: they are the
 * longest, and the lanes run them side by side, so the longest should start first. The files that run on a node of
 * their own (harness/own-node.ts) come right after the first `lanes` lane files: the first of them takes the extra
 * worker (scenarioWorkers) at once, the next the first worker to be free, while the lanes go on with the others.
 * Placed later, they would wait behind a lane file that waits for a lane, and run alone at the end (measured: one
 * minute longer).
 */
export function scenarioOrder<T extends ScenarioFile>(files: readonly T[], lanes: number): T[] {
  const bySize = [...files].sort((a, b) => b.size - a.size);
  const laneFiles = bySize.filter((file) => file.takesLane);
  const ownNode = bySize.filter((file) => !file.takesLane);
  return [...laneFiles.slice(0, lanes), ...ownNode, ...laneFiles.slice(lanes)];
}

/**
 * vitest's order, except in the scenarios project: scenarioOrder, every run. vitest's own order puts last run's
 * failures first, so after a failure the longest file could start last and the run take a minute longer.
 */
export default class ScenarioSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const size = (file: TestSpecification): number =>
      this.ctx.cache.getFileStats(`${file.project.name}:${relative(this.ctx.config.root, file.moduleId)}`)?.size ?? 0;
    const scenarios = sorted
      .filter((file) => file.project.name === 'scenarios')
      .map((spec) => ({ spec, id: spec.moduleId, size: size(spec), takesLane: takesLane(readFileSync(spec.moduleId, 'utf8')) }));
    return [...sorted.filter((file) => file.project.name !== 'scenarios'), ...scenarioOrder(scenarios, scenarioLanes()).map((file) => file.spec)];
  }
}
