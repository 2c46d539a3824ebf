/**
 * Finds a Chromium for the tests, the e2e suite and the benchmark, without help:
 *   1. `CROSSLOCK_CHROMIUM` (an explicit path; an error if it does not exist),
 *   2. Playwright's own Chromium, if `npx playwright install chromium` has been run,
 *   3. a system Chromium or Chrome (Debian: `apt-get install -y chromium` gives /usr/bin/chromium).
 * When none is found it throws one line that says what to run.
 */
import { existsSync } from 'node:fs';
import { chromium } from 'playwright';

/** Headless flags for this machine: without the networking ones Chromium floods a closed network. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const SYSTEM_BROWSERS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];

export function findChromium(): string {
  const explicit = process.env.CROSSLOCK_CHROMIUM;
  if (explicit) {
    if (existsSync(explicit)) return explicit;
    throw new Error(`CROSSLOCK_CHROMIUM=${explicit} does not exist; point it at a Chromium or Chrome binary.`);
  }
  const bundled = playwrightChromium();
  if (bundled) return bundled;
  const system = SYSTEM_BROWSERS.find((path) => existsSync(path));
  if (system) return system;
  throw new Error(
    'No Chromium found: run `apt-get install -y chromium` (Debian/Ubuntu), or `npx playwright install chromium`, or set CROSSLOCK_CHROMIUM=/path/to/chrome.',
  );
}

function playwrightChromium(): string | undefined {
  try {
    const path = chromium.executablePath();
    return path && existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}
