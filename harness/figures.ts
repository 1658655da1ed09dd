import { afterAll } from 'vitest';
import { reportScenario } from './report/task-meta.js';

/** What a scenario measured (durations, totals, load summaries), printed when its file is done. */
export type Figures = Record<string, string | number>;

/** The figures as the printout shows them: one `key: value` line each, under the scenario's name. */
export function formatFigures(scenario: string, figures: Figures): string {
  return `[${scenario}] figures:\n${Object.entries(figures).map(([key, value]) => `  ${key}: ${value}`).join('\n')}`;
}

/**
 * In a scenario's describe: a figures record, printed after the file's tests (passing or failing) and handed to the
 * evidence report with the scenario's name.
 */
export function useFigures(scenario: string): Figures {
  const figures: Figures = {};
  afterAll(({}, suite) => {
    reportScenario(suite.file, scenario, figures);
    if (Object.keys(figures).length > 0) console.log(formatFigures(scenario, figures));
  });
  return figures;
}
