/**
 * Leases across the back/forward cache (issue 11, items 12 and 13), with a REAL back/forward
 * navigation: Playwright launches Chromium with `--disable-back-forward-cache` by default, so this file
 * drops that flag. On `pagehide` a tab gives its leases up (holders told `LockLostError('pagehide')`,
 * not `'closed'`, which is `close()`'s) and its waiters' stored places are declared dead; after
 * `pageshow` it rejoins under new tokens and never holds under a token the other tabs consider dead.
 */
import { CHROMIUM_ARGS, findChromium } from '../tools/browser.js';
import { expect, test } from './fixtures.js';
import { pendingCount, withoutViteHmr, withoutWebLocks } from './helpers.js';
import type { Page } from '@playwright/test';

test.use({ launchOptions: { executablePath: findChromium(), args: CHROMIUM_ARGS, ignoreDefaultArgs: ['--disable-back-forward-cache'] } });
test.beforeEach(async ({ context }) => {
  await withoutWebLocks(context);
  await withoutViteHmr(context);
});

/**
 * Navigates away and back; resolves `true` when the page came back from the back/forward cache, or
 * with Chromium's reasons for not keeping it (CDP `Page.backForwardCacheNotUsed`), so a failure says why.
 */
async function awayAndBack(page: Page): Promise<true | string> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Page.enable');
  const notUsed = new Promise<string>((resolve) =>
    cdp.on('Page.backForwardCacheNotUsed', (e) => resolve(`not restored: ${(e.notRestoredExplanations ?? []).map((x) => x.reason).join(', ')}`)),
  );
  await page.evaluate(() => {
    (window as { restored?: Promise<boolean> }).restored = new Promise((resolve) => addEventListener('pageshow', (e) => resolve(e.persisted), { once: true }));
  });
  await page.goto('/e2e/pages/tab.html?away');
  await page.waitForFunction(() => 'crosslock' in window);
  await page.goBack({ waitUntil: 'commit' }); // a restore fires no load event
  const restored = page.waitForFunction(() => 'restored' in window).then(() => page.evaluate(() => (window as { restored?: Promise<boolean> }).restored!));
  const outcome = await Promise.race([restored.then((r) => r || 'shown, but not from the cache'), notUsed]);
  await cdp.detach();
  return outcome as true | string;
}

test('a holder that enters the back/forward cache gives its lease up at once, and is told pagehide on return', async ({ tabs }) => {
  const [a, b] = await tabs.open(2);
  await a!.evaluate(() => window.harness.hold('round', { timeout: 0 }));
  const taken = b!.evaluate(() => window.harness.hold('round', { timeout: 1000 })); // well under a lease: pagehide hands it over
  await expect.poll(() => pendingCount(b!)).toBe(1);
  const restored = awayAndBack(a!);
  expect(await taken).toBeGreaterThan(0);
  expect(await restored).toBe(true);
  expect(await a!.evaluate(() => window.harness.lost('round'))).toEqual({ name: 'LockLostError', kind: 'pagehide' });
  expect(await a!.evaluate(() => window.harness.tryHold('round'))).toBe(false);
  await b!.evaluate(() => window.harness.release('round'));
  expect(await a!.evaluate(() => window.harness.tryHold('round'))).toBe(true);
});

test('a waiter that enters the back/forward cache rejoins under a new token and gets the lock', async ({ tabs }) => {
  const [a, b] = await tabs.open(2);
  await b!.evaluate(() => window.harness.hold('round', { timeout: 0 }));
  // Kept on the page, not awaited through page.evaluate: Playwright drops an evaluation when its page navigates.
  await a!.evaluate(() => {
    (window as { waits?: Promise<unknown> }).waits = window.harness.hold('round', { timeout: 10_000 }).then(
      () => 'held',
      (e: Error) => e.name,
    );
  });
  await expect.poll(() => pendingCount(a!)).toBe(1);
  expect(await awayAndBack(a!)).toBe(true);
  await b!.evaluate(() => window.harness.release('round'));
  expect(await a!.evaluate(() => (window as { waits?: Promise<unknown> }).waits)).toBe('held');
  expect(await b!.evaluate(() => window.harness.tryHold('round'))).toBe(false);
  const held = await b!.evaluate(async () => (await (await window.harness.locks()).query()).held);
  expect(held).toHaveLength(1);
});

test('an attempt in flight at pagehide never grants under a token the other tabs were told is dead', async ({ tabs }) => {
  const [a, c] = await tabs.open(2);
  await a!.evaluate(async () => void (await (await window.harness.locks()).query())); // a's database is open
  // c's manager is active (listening on the lease channel) before a declares its tokens dead.
  expect(await c!.evaluate(() => window.harness.tryHold('warm-up'))).toBe(true);
  await c!.evaluate(() => window.harness.release('warm-up'));
  // The test learns that c heard it as c's manager does: from the lease channel.
  await c!.evaluate(() => {
    const channel = new BroadcastChannel('crosslock:lease:v3:crosslock');
    (window as { toldDead?: Promise<void> }).toldDead = new Promise((resolve) => (channel.onmessage = (e) => e.data?.t === 'dead' && resolve()));
  });
  // The moment a's waiting request starts its first transaction, the page is hidden (into the back/forward
  // cache) and shown again: the attempt comes back "take" for a token a itself declared dead.
  const held = await a!.evaluate(async () => {
    const transaction = IDBDatabase.prototype.transaction;
    IDBDatabase.prototype.transaction = function (this: IDBDatabase, ...args: Parameters<IDBDatabase['transaction']>) {
      IDBDatabase.prototype.transaction = transaction;
      const tx = transaction.apply(this, args);
      dispatchEvent(new PageTransitionEvent('pagehide', { persisted: true }));
      queueMicrotask(() => dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true })));
      return tx;
    } as IDBDatabase['transaction'];
    await window.harness.hold('round', { timeout: 5000 });
    return !window.harness.isLost('round');
  });
  expect(held).toBe(true);
  await c!.evaluate(() => (window as { toldDead?: Promise<void> }).toldDead);
  // a holds the lock under a live token: c, which treats a's old token as dead, must still find it held.
  expect(await c!.evaluate(() => window.harness.tryHold('round'))).toBe(false);
  expect(await a!.evaluate(() => window.harness.isLost('round'))).toBe(false);
});
