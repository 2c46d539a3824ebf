/**
 * The IndexedDB lease backend inside a dedicated Worker and a SharedWorker (issue 11, item 3): it
 * contends with a page's lease manager on one lock, and `close()` there drains and closes its store
 * (0.1 threw a ReferenceError on `document` in every worker and never closed the database). Pages
 * have navigator.locks removed, so they use leases too.
 */
import { expect, test } from './fixtures.js';
import { pendingCount, withoutWebLocks } from './helpers.js';

test.beforeEach(async ({ context }) => withoutWebLocks(context));

for (const kind of ['sharedWorker', 'dedicatedWorker'] as const) {
  test(`leases in a ${kind}: one lock contended with a page, then close() drains and closes the database`, async ({ tabs }) => {
    const [page] = await tabs.open(1);
    expect(await page!.evaluate(() => window.harness.backend())).toBe('indexeddb');
    await page!.evaluate((kind) => void (window.worker = kind === 'sharedWorker' ? window.harness.sharedWorker('crosslock-e2e-leases') : window.harness.dedicatedWorker()), kind);
    expect(await page!.evaluate(() => window.worker!.use('indexeddb'))).toBe('indexeddb');
    // The worker holds: the page cannot take it, and a waiting page gets it when the worker lets go.
    expect(await page!.evaluate(() => window.worker!.hold('round', 0))).toBe(true);
    expect(await page!.evaluate(() => window.harness.tryHold('round'))).toBe(false);
    const acquired = page!.evaluate(() => window.harness.hold('round', { timeout: 10_000 }));
    await expect.poll(() => pendingCount(page!)).toBe(1);
    await page!.evaluate(() => window.worker!.release('round'));
    await acquired;
    // The page holds: the worker waits, and holds once the page lets go.
    const workerWaits = page!.evaluate(() => window.worker!.hold('round', 10_000));
    await expect.poll(() => pendingCount(page!)).toBe(1);
    await page!.evaluate(() => window.harness.release('round'));
    expect(await workerWaits).toBe(true);
    // close() in the worker releases what it holds and closes its connection.
    expect(await page!.evaluate(() => window.worker!.close())).toBe('closed');
    expect(await page!.evaluate(() => window.harness.tryHold('round'))).toBe(true);
    await page!.evaluate(async () => {
      await window.harness.release('round');
      await (await window.harness.locks()).close();
    });
    expect(await page!.evaluate(() => window.harness.deleteDatabase('crosslock'))).toBe('deleted');
  });
}
