// The README's "Configuration" table, rendered from the variables' definitions (harness/suite-config.ts).
// `npx tsx harness/suite-config-table.ts` prints it; harness/suite-config-table.test.ts keeps the README's copy equal.
import { pathToFileURL } from 'node:url';
import { DOCUMENTED_VARIABLES, type DocumentedVariable } from './suite-config.js';

const cell = (text: string): string => text.replace(/\|/g, '\\|');

export function configurationTable(variables: readonly DocumentedVariable[] = DOCUMENTED_VARIABLES): string[] {
  return [
    '| variable | takes | default | what it does |',
    '| --- | --- | --- | --- |',
    ...variables.map((variable) => `| \`${variable.name}\` | ${cell(variable.takes)} | ${cell(variable.default)} | ${cell(variable.description)} |`),
  ];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) console.log(configurationTable().join('\n'));
