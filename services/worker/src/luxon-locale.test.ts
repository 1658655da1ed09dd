import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import './scheduler.js';

describe("the scheduler's date library", () => {
  it("gives the luxon that node-schedule's cron parser uses a fixed locale, so Intl never loads the system's", () => {
    // The very module cron-parser gets from require('luxon'), resolved from cron-parser itself.
    const fromCronParser = createRequire(createRequire(import.meta.url).resolve('cron-parser'));
    const luxon = fromCronParser('luxon') as { Settings: { defaultLocale: string | undefined } };
    expect(luxon.Settings.defaultLocale).toBe('en-US');
  });
});
