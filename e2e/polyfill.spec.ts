/**
 * crosslock/polyfill across real tabs, in a browser without Web Locks (navigator.locks removed before any
 * page script), installed by each page before anything else runs (e2e/pages/polyfill.ts). Code written for
 * the browser's API runs on it unchanged: 4 tabs looping `navigator.locks.request` with the IndexedDB
 * exclusion checker; a holder closed or crashed hands over; grants in request order across tabs; broadcast-channel's own `createLeaderElection`
 * elects exactly one leader, and a new one after the leader tab is closed and after it crashes.
 * Every wait is on an event (a grant, a leadership); no test sleeps.
 */
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.js';
import { withoutWebLocks } from './helpers.js';

const PAGE = '/e2e/pages/polyfill.html';

test.beforeEach(async ({ context }) => withoutWebLocks(context));

test('4 tabs looping on navigator.locks.request (the polyfill): never two inside, no lost update', async ({ tabs }) => {
  const pages = await tabs.open(4, PAGE, 'polyfillTab');
  for (const page of pages) expect(await page.evaluate(() => window.polyfillTab.installed())).toBe(true);
  await pages[0]!.evaluate(() => window.polyfillTab.checker.reset());
  await Promise.all(pages.map((page, i) => page.evaluate((tab) => window.polyfillTab.loop(tab, 25), `tab${i}`)));
  expect(await pages[0]!.evaluate(() => window.polyfillTab.checker.read())).toEqual({ counter: 100, violations: 0 });
});

for (const end of ['close', 'crash'] as const) {
  test(`a holder tab ${end === 'close' ? 'closed' : 'crashed'}: the waiting tab acquires`, async ({ tabs }) => {
    const [holder, waiter] = await tabs.open(2, PAGE, 'polyfillTab');
    await holder!.evaluate(() => window.polyfillTab.hold('round'));
    const acquired = waiter!.evaluate(() => window.polyfillTab.hold('round'));
    await expect.poll(() => waiter!.evaluate(() => window.polyfillTab.pending('round'))).toBe(1);
    await (end === 'close' ? tabs.close(holder!) : tabs.crash(holder!));
    expect(await acquired).toBeGreaterThan(0);
  });
}

test("grant order is request order across tabs: a tab's second request is not overtaken by another tab's later one", async ({ tabs }) => {
  const [a, b] = await tabs.open(2, PAGE, 'polyfillTab');
  await a!.evaluate(() => window.polyfillTab.checker.reset());
  await a!.evaluate(() => window.polyfillTab.hold('fifo'));
  await a!.evaluate(() => window.polyfillTab.queue('fifo', 'a1'));
  await expect.poll(() => b!.evaluate(() => window.polyfillTab.pending('fifo'))).toBe(1);
  await a!.evaluate(() => window.polyfillTab.queue('fifo', 'a2'));
  // Seen from the other tab: both of a's requests are queued before b asks.
  await expect.poll(() => b!.evaluate(() => window.polyfillTab.pending('fifo'))).toBe(2);
  await b!.evaluate(() => window.polyfillTab.queue('fifo', 'b1'));
  await expect.poll(() => a!.evaluate(() => window.polyfillTab.pending('fifo'))).toBe(3);
  await a!.evaluate(() => window.polyfillTab.release('fifo'));
  expect(await a!.evaluate(() => window.polyfillTab.settled())).toBe(2);
  expect(await b!.evaluate(() => window.polyfillTab.settled())).toBe(1);
  expect(await a!.evaluate(() => window.polyfillTab.checker.list('order:fifo'))).toEqual(['a1', 'a2', 'b1']);
});

/** The tabs that lead, once one does. */
async function leaders(pages: Page[]): Promise<Page[]> {
  await Promise.any(pages.map((p) => p.evaluate(() => window.polyfillTab.lead())));
  const leading: Page[] = [];
  for (const page of pages) if (await page.evaluate(() => window.polyfillTab.isLeader())) leading.push(page);
  return leading;
}

test("broadcast-channel's createLeaderElection on the polyfill: one leader of 3 tabs; a new one after the leader closes, and after it crashes", async ({ tabs }) => {
  const pages = await tabs.open(3, PAGE, 'polyfillTab');
  for (const page of pages) void page.evaluate(() => void window.polyfillTab.lead());
  const first = await leaders(pages);
  expect(first).toHaveLength(1);
  for (const page of pages) expect(await page.evaluate(() => window.polyfillTab.hasLeader())).toBe(true);

  await tabs.close(first[0]!);
  const rest = pages.filter((p) => p !== first[0]);
  const second = await leaders(rest);
  expect(second).toHaveLength(1);

  await tabs.crash(second[0]!);
  const last = rest.filter((p) => p !== second[0]);
  const third = await leaders(last);
  expect(third).toHaveLength(1);
  expect(third[0]).toBe(last[0]);
});
