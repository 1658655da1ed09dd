import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

/** The Chromium the browser tests drive: $KMS_CHROMIUM, else the system's (no browser download, ever). */
export function chromiumPath(): string {
  const path = process.env.KMS_CHROMIUM ?? CANDIDATES.find((candidate) => existsSync(candidate));
  if (!path || !existsSync(path)) {
    throw new Error(
      'no Chromium found for the browser test: install it (Debian: apt-get install chromium; `npm test` does it as root on Debian) or set KMS_CHROMIUM to a Chromium/Chrome executable',
    );
  }
  return path;
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
