import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../harness/browser.js';
import { contractOperations, inspectDocsPage } from '../../harness/docs-page.js';
import { CONTRACTS } from '../registry.js';
import { DOCS_DIR } from './files.js';

// The committed static site opened from disk, as a person who cloned the repository would: no server, no network.
describe('the static API reference site (docs/api/site), opened from disk in a browser', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('links a page for every service from its index', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(pathToFileURL(join(DOCS_DIR, 'site', 'index.html')).href);
      const links = await page.$$eval('main a', (anchors) => anchors.map((anchor) => anchor.getAttribute('href')));
      expect(links).toEqual(CONTRACTS.map((contract) => `${contract.service}.html`));
    } finally {
      await page.close();
    }
  });

  for (const contract of CONTRACTS) {
    // axe runs on the same template where the services serve it (scenarios/dashboard-browser, contracts/maya-sawa).
    it(`${contract.service}.html lists every operation of the contract and loads nothing from elsewhere`, async () => {
      const page = await inspectDocsPage(browser, pathToFileURL(join(DOCS_DIR, 'site', `${contract.service}.html`)).href, { axe: false });
      expect([...page.operations].sort()).toEqual(contractOperations(contract).sort());
      expect(page.offOrigin).toEqual([]);
      expect(page.errors).toEqual([]);
    }, 60_000); // a browser on a loaded 2-core machine
  }
});
