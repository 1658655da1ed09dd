import type { Browser } from 'playwright-core';
import { expect, it } from 'vitest';
import type { ServiceContract } from '../contracts/common.js';
import { launchChromium } from './browser.js';
import { contractOperations, inspectDocsPage, responseSchema, type DocsPageReport, type Operation } from './docs-page.js';
import type { PhaseBody } from './phase/run-phase.js';
import type { Phase } from './phase/use-phase.js';
import { seconds } from './seconds.js';

// The API reference each service serves (GET /docs, services/shared/src/docs), opened from the cluster in a real
// browser as a person would: one phase for every page of a scenario, and the assessments that read it. Used by each
// scenario that deploys a service, so every service's served page is opened from a cluster somewhere.

/** A service whose served reference a scenario opens, and the safe read it calls with "try it out". */
export interface ApiReference {
  service: string;
  contract: ServiceContract;
  /** The service's URL from this process (a NodePort), known once the scenario has deployed it. */
  url: () => Promise<string> | string;
  tryIt: Operation;
}

/** What the phase measured: each service's page, by service. */
export interface ApiReferencePages {
  pages: Record<string, DocsPageReport>;
}

/**
 * In a describe: a phase that opens each reference's /docs (side by side: each page renders in its own renderer
 * process, and most of the wait is the cluster's answers), calls `tryIt` with "try it out" and runs axe on the page;
 * then its assessments: every operation of the contract and nothing else is on the page, the call answers 200 by the
 * contract, axe finds nothing, and the page loads nothing from another origin and logs no error.
 *
 * `phase` runs the body as one of the scenario's phases (named by the scenario). `browser`: the scenario's own, if it
 * has one open; else the phase launches Chromium for the pages and closes it after.
 */
export function assessApiReferences(
  phase: (body: PhaseBody<ApiReferencePages>) => Phase<ApiReferencePages>,
  references: readonly ApiReference[],
  browser?: () => Browser,
): void {
  const docs = phase(async ({ step, results, figure, onTeardown }) => {
    let chromium = browser?.();
    if (!chromium) {
      const launched = await step('launch Chromium', launchChromium);
      onTeardown('Chromium closed', () => launched.close());
      chromium = launched;
    }
    const opened = chromium;
    const pages = await Promise.all(
      references.map(({ service, url, tryIt }) =>
        step(`open ${service}'s /docs, try out ${tryIt}, run axe`, async () => {
          const page = await inspectDocsPage(opened, `${await url()}/docs`, { tryIt });
          figure(`${service}.renderSeconds`, seconds(page.renderMs));
          return [service, page] as const;
        }),
      ),
    );
    results.pages = Object.fromEntries(pages);
  });

  it("lists every operation of the contract, and nothing else, on each service's page", () => {
    for (const { service, contract } of references) {
      expect([...(docs.result('pages')[service]?.operations ?? [])].sort(), service).toEqual(contractOperations(contract).sort());
    }
  });

  it('answers a call made with "try it out" from each page, by the contract', () => {
    for (const { service, contract, tryIt } of references) {
      const answer = docs.result('pages')[service]?.tryIt;
      expect(answer?.status, `${service}: ${tryIt} -> ${answer?.status} ${answer?.body.slice(0, 200)}`).toBe(200);
      const schema = responseSchema(contract, tryIt, 200);
      expect(schema, `${service}: the contract gives ${tryIt} a JSON answer to check`).toBeDefined();
      expect(schema!.safeParse(JSON.parse(answer!.body)).success, `${service}: ${tryIt} answer on the page matches the contract`).toBe(true);
    }
  });

  it('passes axe (WCAG 2 A/AA) with the operation expanded and its answer shown', () => {
    for (const { service } of references) expect(docs.result('pages')[service]?.axeViolations, service).toEqual([]);
  });

  it('loads nothing from another origin (no CDN, fonts or validator: it works offline) and logs no error (none of its CSP)', () => {
    for (const { service } of references) {
      const page = docs.result('pages')[service]!;
      expect(page.offOrigin, service).toEqual([]);
      expect(page.errors, service).toEqual([]);
    }
  });
}
