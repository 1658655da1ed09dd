import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * vitest's order (failed first, then slowest; by file size when it has no record, as in a fresh CI clone), except
 * that scenarios/node-failure.test.ts runs after every other file: it joins a node to the shared cluster, kills it
 * and moves the system's pods, and the files after it should not depend on how fully that settles.
 */
export default class ScenarioSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const last = (file: TestSpecification) => (file.moduleId.endsWith('scenarios/node-failure.test.ts') ? 1 : 0);
    return [...sorted].sort((a, b) => last(a) - last(b));
  }
}
