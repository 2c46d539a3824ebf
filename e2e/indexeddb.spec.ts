/**
 * IndexedDB leases across real tabs, with navigator.locks removed before any page script runs (as in an
 * insecure context or an old browser), so platformDefault() picks the lease backend. Every wait is on
 * an event: a tab acquiring, a signal aborting, a lock() timing out.
 */
import { expect, test } from './fixtures.js';
import { loop, pendingCount, withoutWebLocks } from './helpers.js';

test.beforeEach(async ({ context }) => withoutWebLocks(context));

test('4 tabs looping on one lease: never two inside, no lost update', async ({ tabs }) => {
  const pages = await tabs.open(4);
  for (const page of pages) expect(await page.evaluate(() => window.harness.backend())).toBe('indexeddb');
  await pages[0]!.evaluate(() => window.harness.checker.reset());
  await Promise.all(pages.map((page, i) => loop(page, `tab${i}`, 25)));
  expect(await pages[0]!.evaluate(() => window.harness.checker.read())).toEqual({ counter: 100, violations: 0 });
});

test('a holder tab closed: another tab acquires without waiting for the lease to run out', async ({ tabs }) => {
  const [holder, waiter] = await tabs.open(2);
  await holder!.evaluate(() => window.harness.hold('round', { timeout: 0 }));
  // The waiter may wait at most half a lease: only the pagehide message can hand the lock over that fast.
  const acquired = waiter!.evaluate(() => window.harness.hold('round', { timeout: 750 }));
  await expect.poll(() => pendingCount(waiter!)).toBe(1);
  await tabs.close(holder!);
  expect(await acquired).toBeGreaterThan(0);
});

test('a holder tab crashed: another tab acquires once the lease expires', async ({ tabs }) => {
  const [holder, waiter] = await tabs.open(2);
  await holder!.evaluate(() => window.harness.hold('round', { timeout: 0 }));
  const acquired = waiter!.evaluate(() => window.harness.hold('round', { timeout: 10_000 }));
  await expect.poll(() => pendingCount(waiter!)).toBe(1);
  await tabs.crash(holder!);
  expect(await acquired).toBeGreaterThan(0);
});

test('a frozen holder loses the lease to another tab, and is told the moment it thaws', async ({ tabs, context }) => {
  const [holder, waiter] = await tabs.open(2);
  await holder!.evaluate(() => window.harness.hold('round', { timeout: 0 }));
  // Page.setWebLifecycleState('frozen') does nothing in headless Chromium 156 (its timers and worker
  // messages keep running), so the page's main thread is stopped with the debugger instead: from the
  // other tabs' side that is what a frozen or hung tab is, no task of it runs.
  const cdp = await context.newCDPSession(holder!);
  await cdp.send('Debugger.enable');
  await cdp.send('Debugger.pause');
  await waiter!.evaluate(() => window.harness.hold('round', { timeout: 10_000 })); // once the lease expired
  await cdp.send('Debugger.resume');
  await cdp.send('Debugger.disable');
  expect(await holder!.evaluate(() => window.harness.lost('round'))).toEqual({ name: 'LockLostError', kind: 'expired' });
  expect(await holder!.evaluate(() => window.harness.tryHold('round'))).toBe(false);
});

test('a holder whose page timers are throttled keeps its lease: renewals tick from a worker', async ({ tabs }) => {
  const [holder, waiter] = await tabs.open(2);
  // Intensive throttling runs a hidden page's timers once a minute: here, never. Stubbed before the lock
  // is taken, so no renewal can come from a page timer; only the ticker's worker is left.
  await holder!.evaluate(() => {
    window.setTimeout = (() => 0) as never;
    window.setInterval = (() => 0) as never;
  });
  await holder!.evaluate(() => window.harness.hold('round', { timeout: 0 }));
  // The waiter gives up after 5 s (more than three leases) without getting the lock.
  const gaveUp = await waiter!.evaluate(() => window.harness.hold('round', { timeout: 5000 }).then(() => 'acquired', (e: Error) => e.name));
  expect(gaveUp).toBe('LockTimeoutError');
  expect(await holder!.evaluate(() => window.harness.isLost('round'))).toBe(false);
});

test('another tab upgrading the database neither blocks nor breaks a held lease', async ({ tabs }) => {
  const [holder, waiter, upgrader] = await tabs.open(3);
  await holder!.evaluate(() => window.harness.hold('round', { timeout: 0 }));
  const version = await upgrader!.evaluate(
    () =>
      new Promise<number>((resolve, reject) => {
        const request = indexedDB.open('crosslock', 7);
        request.onupgradeneeded = () => request.result.createObjectStore('newer');
        request.onblocked = () => reject(new Error('blocked by a crosslock connection'));
        request.onsuccess = () => (request.result.close(), resolve(request.result.version));
        request.onerror = () => reject(request.error);
      }),
  );
  expect(version).toBe(7);
  expect(await waiter!.evaluate(() => window.harness.tryHold('round'))).toBe(false);
  await holder!.evaluate(() => window.harness.release('round'));
  expect(await waiter!.evaluate(() => window.harness.tryHold('round'))).toBe(true);
});

test('a corrupted lease record does not crash a waiter: it takes the lock', async ({ tabs }) => {
  const [writer, taker] = await tabs.open(2);
  await taker!.evaluate(async () => (await window.harness.locks()).query()); // creates the database
  await writer!.evaluate(
    () =>
      new Promise<void>((resolve, reject) => {
        const request = indexedDB.open('crosslock');
        request.onsuccess = () => {
          const tx = request.result.transaction('leases', 'readwrite');
          tx.objectStore('leases').put({ v: 1, holders: 'garbage', expires: 1e300 }, 'e2e+round');
          tx.oncomplete = () => (request.result.close(), resolve());
          tx.onerror = () => reject(tx.error);
        };
      }),
  );
  expect(await taker!.evaluate(() => window.harness.tryHold('round'))).toBe(true);
});
