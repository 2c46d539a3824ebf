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

/** Makes every page of the context lack Web Locks, as an insecure context or an old browser does. */
export async function withoutWebLocks(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'locks', { configurable: true, get: () => undefined });
  });
}
