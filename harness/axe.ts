import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string;
  help: string;
  nodes: Array<{ target: string[] }>;
}

/** axe-core's WCAG 2 A and AA checks on the page as it is now: one line per violation, naming the first element. */
export async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource); // through the debugging protocol: the pages' CSPs (rightly) forbid inline scripts
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document, options: object) => Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] } });
    return result.violations.map(({ id, impact, help, nodes }) => ({ id, impact, help, nodes: nodes.map((node) => ({ target: node.target })) }));
  });
  return violations.map((violation) => `${violation.id} (${violation.impact}): ${violation.help}, ${violation.nodes.length}× e.g. ${violation.nodes[0]?.target.join(' ') ?? '?'}`);
}
