import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { scenarioOrder, takesLane, type ScenarioFile } from './scenario-sequencer.js';
import { scenarioWorkers } from './system.js';

const file = (id: string, size: number, lane = true): ScenarioFile => ({ id, size, takesLane: lane });

describe('the order the scenario files start in', () => {
  it('knows which files take a lane: those that deploy a copy of the system, not those with a node of their own', () => {
    const files = readdirSync('scenarios').filter((name) => name.endsWith('.test.ts'));
    const laneFree = files.filter((name) => !takesLane(readFileSync(`scenarios/${name}`, 'utf8'))).sort();
    expect(laneFree).toEqual(['init-order.test.ts', 'maya-sawa-faults.test.ts']);
    for (const name of laneFree) expect(readFileSync(`scenarios/${name}`, 'utf8'), name).toMatch(/\buseOwnNode\(/);
    expect(takesLane("const { namespace } = useSystem(cluster, 'probes');"), 'a file that calls useSystem directly').toBe(true);
  });

  it('starts the largest lane files first, then the own-node files, then the other lane files', () => {
    const files = [file('smoke', 85), file('faults', 335, false), file('probes', 251), file('init', 240, false), file('node', 250), file('hpa', 152)];
    expect(scenarioOrder(files, 2).map((item) => item.id)).toEqual(['probes', 'node', 'faults', 'init', 'hpa', 'smoke']);
    expect(scenarioOrder(files, 1).map((item) => item.id)).toEqual(['probes', 'faults', 'init', 'node', 'hpa', 'smoke']);
    expect(scenarioOrder([file('a', 1), file('b', 2)], 2).map((item) => item.id)).toEqual(['b', 'a']);
  });

  it('runs one more file than there are lanes, for the own-node files; one at a time with one lane', () => {
    expect([1, 2, 3, 16].map((cores) => scenarioWorkers({}, cores))).toEqual([1, 3, 4, 5]);
    expect(scenarioWorkers({ KMS_SCENARIO_LANES: '1' }, 8)).toBe(1);
  });
});
