/**
 * Fencing across real tabs, on both backends: a tab that wakes up believing it still holds the lock
 * cannot overwrite what a newer holder wrote, and tabs counting under the lock lose no update.
 */
import { expect, test } from './fixtures.js';
import { withoutWebLocks } from './helpers.js';

for (const backend of ['web-locks', 'indexeddb'] as const) {
  test.describe(backend, () => {
    test.beforeEach(async ({ context }) => {
      if (backend === 'indexeddb') await withoutWebLocks(context);
    });

    test('4 tabs counting in a FencedStore under the lock: no lost update', async ({ tabs }) => {
      const pages = await tabs.open(4);
      for (const page of pages) expect(await page.evaluate(() => window.harness.backend())).toBe(backend);
      await Promise.all(pages.map((page) => page.evaluate(() => window.harness.count(25))));
      expect(await pages[0]!.evaluate(() => window.harness.store().get('n'))).toBe(100);
    });
  });
}

test('Web Locks: a tab robbed by a steal has its late write refused; the thief\'s value stays', async ({ tabs }) => {
  const [a, b] = await tabs.open(2);
  await a!.evaluate(() => window.harness.hold('round', { timeout: 0 }));
  expect(await a!.evaluate(() => window.harness.write('round', 'state', 'from A, first'))).toBe('ok');
  await b!.evaluate(() => window.harness.hold('round', { timeout: 0, steal: true }));
  expect(await b!.evaluate(() => window.harness.write('round', 'state', 'from B'))).toBe('ok');
  expect(await a!.evaluate(() => window.harness.write('round', 'state', 'from A, late'))).toBe('StaleLockError');
  expect(await b!.evaluate(() => window.harness.store().get('state'))).toBe('from B');
});

test.describe('IndexedDB leases', () => {
  test.beforeEach(async ({ context }) => withoutWebLocks(context));

  test('a frozen holder that thaws has its write refused; the newer holder\'s value stays', async ({ tabs, context }) => {
    const [a, b] = await tabs.open(2);
    await a!.evaluate(() => window.harness.hold('round', { timeout: 0 }));
    expect(await a!.evaluate(() => window.harness.write('round', 'state', 'from A, first'))).toBe('ok');
    const cdp = await context.newCDPSession(a!);
    await cdp.send('Debugger.enable');
    await cdp.send('Debugger.pause'); // frozen: see indexeddb.spec.ts for why not Page.setWebLifecycleState
    await b!.evaluate(() => window.harness.hold('round', { timeout: 10_000 })); // once A's lease lapsed
    expect(await b!.evaluate(() => window.harness.write('round', 'state', 'from B'))).toBe('ok');
    await cdp.send('Debugger.resume');
    await cdp.send('Debugger.disable');
    expect(await a!.evaluate(() => window.harness.write('round', 'state', 'from A, late'))).toBe('StaleLockError');
    expect(await a!.evaluate(() => window.harness.store().get('state'))).toBe('from B');
  });
});
