import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * vitest's order, except in the scenarios project: the largest file first, every run. Scenario files run side by
 * side (harness/scenario-system.ts), so the longest should start first, and the largest files are the longest
 * (node failure, probes). vitest's own order puts last run's failures first, so after a failure the longest file
 * could start last and the run take a minute longer.
 */
export default class ScenarioSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const size = (file: TestSpecification): number =>
      this.ctx.cache.getFileStats(`${file.project.name}:${relative(this.ctx.config.root, file.moduleId)}`)?.size ?? 0;
    const scenarios = sorted.filter((file) => file.project.name === 'scenarios').sort((a, b) => size(b) - size(a));
    return [...sorted.filter((file) => file.project.name !== 'scenarios'), ...scenarios];
  }
}
