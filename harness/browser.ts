import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { suiteConfig, type Env } from './suite-config.js';

const LINUX_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];
const MACOS_APPS = ['Google Chrome.app/Contents/MacOS/Google Chrome', 'Chromium.app/Contents/MacOS/Chromium'];

/** Where a Chromium or Chrome may be installed: the Linux paths, then macOS's /Applications and ~/Applications. */
export function chromiumCandidates(home: string = homedir()): string[] {
  return [...LINUX_CANDIDATES, ...['/Applications', join(home, 'Applications')].flatMap((dir) => MACOS_APPS.map((app) => join(dir, app)))];
}

/** How to point the tests at a browser, in one line. */
const HOW_TO_POINT =
  'set KMS_CHROMIUM to a Chromium or Chrome executable (macOS: KMS_CHROMIUM="/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"), or install Chromium (Debian: apt-get install chromium; `npm test` does it as root on Debian)';

/**
 * The Chromium the browser tests drive: $KMS_CHROMIUM, else the first installed candidate (no browser download,
 * ever). `env`, `exists` and `home` are for the tests.
 */
export function chromiumPath(options: { env?: Env; exists?: (path: string) => boolean; home?: string } = {}): string {
  const exists = options.exists ?? existsSync;
  const chosen = suiteConfig(options.env).chromium;
  if (chosen) {
    if (!exists(chosen)) throw new Error(`KMS_CHROMIUM=${chosen} does not exist: ${HOW_TO_POINT}`);
    return chosen;
  }
  const found = chromiumCandidates(options.home).find((candidate) => exists(candidate));
  if (!found) throw new Error(`no Chromium found for the browser test: ${HOW_TO_POINT}`);
  return found;
}

/** Headless Chromium with what it needs on a closed network: no background connections, no sandbox as root. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}
