import { describe, expect, it } from 'vitest';
import { chromiumCandidates, chromiumPath } from './browser.js';

const HOME = '/Users/someone';
const installed = (...paths: string[]) => (path: string) => paths.includes(path);

describe('chromiumPath', () => {
  it('takes KMS_CHROMIUM first, over any installed browser', () => {
    const exists = installed('/opt/my-chrome', '/usr/bin/chromium');
    expect(chromiumPath({ env: { KMS_CHROMIUM: '/opt/my-chrome' }, exists, home: HOME })).toBe('/opt/my-chrome');
  });

  it('rejects a KMS_CHROMIUM that does not exist rather than trying others', () => {
    expect(() => chromiumPath({ env: { KMS_CHROMIUM: '/nope' }, exists: installed('/usr/bin/chromium'), home: HOME })).toThrow(/^KMS_CHROMIUM=\/nope does not exist: set KMS_CHROMIUM/);
  });

  it('finds Linux browsers before macOS ones', () => {
    expect(chromiumPath({ env: {}, exists: installed('/usr/bin/google-chrome-stable', '/Applications/Chromium.app/Contents/MacOS/Chromium'), home: HOME })).toBe(
      '/usr/bin/google-chrome-stable',
    );
  });

  it.each([
    '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
    '/Applications/Chromium.app/Contents/MacOS/Chromium',
    `${HOME}/Applications/Google Chrome.app/Contents/MacOS/Google Chrome`,
    `${HOME}/Applications/Chromium.app/Contents/MacOS/Chromium`,
  ])('finds a macOS browser at %s', (path) => {
    expect(chromiumPath({ env: {}, exists: installed(path), home: HOME })).toBe(path);
  });

  it('prefers the system-wide /Applications to ~/Applications', () => {
    const candidates = chromiumCandidates(HOME);
    expect(candidates.indexOf('/Applications/Chromium.app/Contents/MacOS/Chromium')).toBeLessThan(
      candidates.indexOf(`${HOME}/Applications/Google Chrome.app/Contents/MacOS/Google Chrome`),
    );
  });

  it('says in one line how to point at a browser when none is found', () => {
    let message = '';
    try {
      chromiumPath({ env: {}, exists: () => false, home: HOME });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^no Chromium found for the browser test: set KMS_CHROMIUM to a Chromium or Chrome executable/);
    expect(message).toContain('/Applications/Google Chrome.app/Contents/MacOS/Google Chrome');
    expect(message).not.toContain('\n');
  });
});
