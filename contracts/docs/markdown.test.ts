import { describe, expect, it } from 'vitest';
import { routeResponses, SHARED_ERROR_RESPONSES, type ServiceContract } from '../common.js';
import { buildOpenApiDocument, CONTRACTS } from '../registry.js';
import { renderServiceMarkdown } from './markdown.js';

/** The Responses table of one operation's section, by status: [description, body], as a reader sees them. */
function responseRows(markdown: string, operation: string): Map<string, [string, string]> {
  const section = markdown.split(/^### /m).find((part) => part.startsWith(`\`${operation}\`\n`));
  if (section === undefined) throw new Error(`no section for ${operation}`);
  const table = section.slice(section.indexOf('**Responses**'));
  const rows = table
    .split('\n')
    .filter((line) => /^\| \d{3} /.test(line))
    .map((line) => line.slice(1, -1).split(/(?<!\\)\|/).map((column) => column.trim().replace(/\\\|/g, '|')));
  return new Map(rows.map(([status, description, body]) => [status!, [description!, body!]]));
}

const rendered = (contract: ServiceContract): string => renderServiceMarkdown(contract, buildOpenApiDocument(contract));
const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, ' ');

describe('the Markdown API reference (contracts/docs/markdown.ts)', () => {
  for (const contract of CONTRACTS) {
    it(`${contract.service}: every response of every operation shows its description and its body, the shared error answers too`, () => {
      const markdown = rendered(contract);
      for (const route of Object.values(contract.routes)) {
        const operation = `${route.method.toUpperCase()} ${route.path}`;
        const rows = responseRows(markdown, operation);
        const documented = routeResponses(route);
        expect([...rows.keys()].sort(), operation).toEqual(Object.keys(documented).sort());
        for (const [status, response] of Object.entries(documented)) {
          const [description, body] = rows.get(status)!;
          expect(description, `${operation} ${status}: description`).toBe(oneLine(response.description ?? ''));
          if (response.content) expect(body, `${operation} ${status}: body`).not.toBe('none');
        }
      }
    });
  }

  it('shows a shared error answer (a $ref to components.responses) with its body, the ErrorBody, linked to its schema', () => {
    const [contract] = CONTRACTS.filter((candidate) => candidate.service === 'maya-sawa');
    const rows = responseRows(rendered(contract!), 'GET /metrics');
    for (const [status, { description }] of Object.entries(SHARED_ERROR_RESPONSES)) {
      expect(rows.get(status), `GET /metrics ${status}`).toEqual([description, '`application/json` [ErrorBody](#errorbody)']);
    }
  });
});
