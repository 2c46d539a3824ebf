/**
 * Finds a Chromium for the tests, the e2e suite and the benchmark, without help:
 *   1. `CROSSLOCK_CHROMIUM` (an explicit path; an error if it does not exist),
 *   2. Playwright's own Chromium, if `npx playwright install chromium` has been run,
 *   3. a system Chromium or Chrome on PATH (Debian: `apt-get install -y chromium` gives /usr/bin/chromium),
 *      then the macOS application bundles.
 * The search is tools/setup/find.mjs, shared with `npm test`'s setup step, which installs a Chromium when
 * none is found. When none is found here it throws one line that says what to run.
 */
import { existsSync } from 'node:fs';
import { CHROMIUM } from './setup/deps.mjs';
import { findInstalled } from './setup/find.mjs';

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

export function findChromium(): string {
  const explicit = process.env.CROSSLOCK_CHROMIUM;
  if (explicit) {
    if (existsSync(explicit)) return explicit;
    throw new Error(`CROSSLOCK_CHROMIUM=${explicit} does not exist; point it at a Chromium or Chrome binary.`);
  }
  const found = findInstalled(CHROMIUM);
  if (found) return found;
  throw new Error('No Chromium found: `npm test` installs one (tools/setup/main.mjs), or run `apt-get install -y chromium` (Debian/Ubuntu), or `npx playwright install chromium`, or set CROSSLOCK_CHROMIUM=/path/to/chrome.');
}
