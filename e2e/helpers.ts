/** Page drivers shared by the e2e specs. */
import type { BrowserContext, Page } from '@playwright/test';

/** `iterations` times: take 'counter' under the tab's manager and run the racy checker section. */
export async function loop(page: Page, tab: string, iterations: number): Promise<void> {
  await page.evaluate(
    async ({ tab, iterations }) => {
      const locks = await window.harness.locks();
      for (let i = 0; i < iterations; i++) {
        await locks.withLock('counter', { timeout: 30_000 }, () => window.harness.checker.critical(tab));
      }
    },
    { tab, iterations },
  );
}

/** Number of pending requests the tab's manager sees. */
export function pendingCount(page: Page): Promise<number> {
  return page.evaluate(async () => (await (await window.harness.locks()).query()).pending.length);
}

/*
 * Init scripts are strings, not functions: Playwright sends a function's source, and under tsx (esbuild
 * with keepNames, as tools/chaos.ts and bench/ run) an arrow function in it becomes
 * `__name(() => ..., "get")`, which throws in the page for want of `__name`.
 */
const NO_WEB_LOCKS = `Object.defineProperty(Navigator.prototype, 'locks', { configurable: true, get() { return undefined; } });`;

const NO_VITE_HMR = `(function () {
  var Native = window.WebSocket;
  function inert(url) {
    return { url: String(url), readyState: 0, CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3,
      addEventListener: function () {}, removeEventListener: function () {}, send: function () {}, close: function () {} };
  }
  window.WebSocket = new Proxy(Native, {
    construct: function (target, args, newTarget) {
      var protocol = args[1];
      return protocol === 'vite-hmr' || protocol === 'vite-ping' ? inert(args[0]) : Reflect.construct(target, args, newTarget);
    },
  });
})();`;

/** Makes every page of the context lack Web Locks, as an insecure context or an old browser does. */
export async function withoutWebLocks(context: BrowserContext): Promise<void> {
  await context.addInitScript({ content: NO_WEB_LOCKS });
}

/**
 * Keeps Vite's HMR socket from opening in every page of the context: Chromium closes a page's
 * WebSockets when it enters the back/forward cache and logs a console error for it, and Vite's client
 * reloads a restored page once it sees its socket closed. The dev server's HMR is not what is tested.
 */
export async function withoutViteHmr(context: BrowserContext): Promise<void> {
  await context.addInitScript({ content: NO_VITE_HMR });
}
