// @ts-check
/**
 * Finding a dependency on this machine: Playwright's own download (for a browser), then every directory of
 * PATH for each of the dependency's command names, then its fixed paths. Synchronous and cheap (a few
 * `access` calls), so the tests' configurations can call it too.
 */
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { createRequire } from 'node:module';

/**
 * @param {import('./plan.mjs').Dependency} dep
 * @returns {string | undefined}
 */
export function findInstalled(dep) {
  if (dep.playwright !== undefined) {
    const bundled = playwrightExecutable(dep.playwright);
    if (bundled) return bundled;
  }
  for (const command of dep.commands) {
    const path = onPath(command);
    if (path) return path;
  }
  return dep.fixedPaths.find((path) => existsSync(path));
}

/**
 * @param {string} command
 */
export function onPath(command) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const path = join(dir, command);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Playwright's own copy of a browser, if `npx playwright install` put one where it looks
 * (PLAYWRIGHT_BROWSERS_PATH or its cache). `playwright-core` is loaded only here, on demand.
 * @param {string} browser
 */
function playwrightExecutable(browser) {
  if (!mayHavePlaywrightBrowser(browser)) return undefined;
  try {
    const require = createRequire(import.meta.url);
    /** @type {Record<string, { executablePath(): string }>} */
    const playwright = require('playwright-core');
    const path = playwright[browser]?.executablePath();
    return path && existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether Playwright's browser folder has anything for `browser`: loading playwright-core costs ~0.5 s, the
 * setup step's whole budget, so it is loaded only when a download may be there. The folders are the ones
 * Playwright documents (PLAYWRIGHT_BROWSERS_PATH, `0` meaning inside playwright-core, else the user cache).
 * @param {string} browser
 */
function mayHavePlaywrightBrowser(browser) {
  const custom = process.env.PLAYWRIGHT_BROWSERS_PATH;
  const home = homedir();
  const dirs =
    custom === '0'
      ? [join(process.cwd(), 'node_modules', 'playwright-core', '.local-browsers')]
      : custom
        ? [custom]
        : [
            join(process.env.XDG_CACHE_HOME || join(home, '.cache'), 'ms-playwright'),
            join(home, 'Library', 'Caches', 'ms-playwright'),
            join(process.env.LOCALAPPDATA ?? join(home, 'AppData', 'Local'), 'ms-playwright'),
          ];
  return dirs.some((dir) => {
    try {
      return readdirSync(dir).some((entry) => entry.startsWith(`${browser}-`) || entry.startsWith(`${browser}_`));
    } catch {
      return false;
    }
  });
}
