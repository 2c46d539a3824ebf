/**
 * crosslock/service across real tabs (issue 13): a counter served from a SharedWorker, and, with
 * SharedWorker removed before any page script runs, from the tab elected to host it (the fallback).
 * The counter writes every call id it runs to a ledger in IndexedDB, fenced by its host's epoch; after
 * each test the ledger is read back: no call id ran twice, epochs only go up. Every call a page started
 * settled, and no page logged an error. Every wait is on an event; no test sleeps.
 * Death-to-rejection times are measured by `npm run bench:service`, not here.
 */
import type { Page } from '@playwright/test';
import { expect, test, type Tabs } from './fixtures.js';

const PAGE = '/e2e/pages/service.html';
const NO_SHARED_WORKER = `Object.defineProperty(globalThis, 'SharedWorker', { configurable: true, value: undefined });`;
const NO_WEB_LOCKS = `Object.defineProperty(Navigator.prototype, 'locks', { configurable: true, get() { return undefined; } });`;

async function open(tabs: Tabs, count: number): Promise<Page[]> {
  const pages: Page[] = [];
  // One after the other: the first tab creates the SharedWorker (it dies if that tab crashes).
  for (let i = 0; i < count; i++) {
    const [page] = await tabs.open(1, PAGE, 'serviceTab');
    await page!.evaluate(() => window.serviceTab.connected());
    pages.push(page!);
  }
  return pages;
}

/** The ledger's invariants and every page's promise count; returns the ledger's call entries. */
async function verify(pages: Page[]) {
  const live = pages.filter((p) => !p.isClosed());
  const ledger = await live[0]!.evaluate(() => window.serviceTab.ledger());
  expect(ledger.filter(([key]) => key.startsWith('dup:')), 'no call ran twice').toEqual([]);
  for (const page of live) {
    const { started, settled } = await page.evaluate(() => window.serviceTab.drain());
    expect(settled, 'every call a page started settled').toBe(started);
  }
  return new Map(ledger.filter(([key]) => key.startsWith('call:')).map(([key, entry]) => [key.slice(5), entry]));
}

test.describe('service in a SharedWorker', () => {
  test('3 tabs call one host; each call runs once; errors arrive typed; a non-creator tab closing breaks nothing', async ({ tabs }) => {
    const pages = await open(tabs, 3);
    for (const page of pages) expect(await page.evaluate(() => window.serviceTab.transport)).toBe('port');
    const results = await Promise.all(pages.flatMap((page, t) => Array.from({ length: 20 }, (_, i) => page.evaluate((id) => window.serviceTab.add(id), `t${t}-${i}`))));
    const epoch = results[0]!.ok!.epoch;
    for (const r of results) expect(r.ok).toMatchObject({ epoch, where: 'shared-worker' });
    const failed = await pages[1]!.evaluate(() => window.serviceTab.fail());
    expect(failed.error).toEqual({ name: 'StaleLockError', epoch: undefined, accepted: undefined, generation: epoch, current: epoch + 1, isStale: true });

    await tabs.close(pages[2]!);
    const after = await Promise.all(pages.slice(0, 2).map((page, t) => page.evaluate((id) => window.serviceTab.add(id), `after-${t}`)));
    for (const r of after) expect(r.ok).toMatchObject({ epoch, where: 'shared-worker' });
    const ledger = await verify(pages);
    expect(ledger.size).toBe(62);
  });

  test('the creator tab crashes: calls under way elsewhere reject with ServiceGoneError; the next call reaches a fresh host with a higher epoch', async ({ tabs }) => {
    const [creator, ...others] = await open(tabs, 3);
    const before = await others[0]!.evaluate(() => window.serviceTab.host());
    for (const [i, page] of others.entries()) await page.evaluate((id) => window.serviceTab.hold(id), `held-${i}`);
    await tabs.crash(creator!);
    for (const [i, page] of others.entries()) {
      const outcome = await page.evaluate((id) => window.serviceTab.outcome(id), `held-${i}`);
      expect(outcome.error).toMatchObject({ name: 'ServiceGoneError', epoch: before!.epoch, accepted: true });
    }
    const next = await Promise.all(others.map((page, i) => page.evaluate((id) => window.serviceTab.add(id), `next-${i}`)));
    for (const r of next) expect(r.ok).toMatchObject({ where: 'shared-worker', epoch: next[0]!.ok!.epoch });
    expect(next[0]!.ok!.epoch).toBeGreaterThan(before!.epoch);
    await verify(others);
  });

  test('a dedicated worker reaches the SharedWorker host through the channel', async ({ tabs }) => {
    const [page] = await open(tabs, 1);
    const host = await page!.evaluate(() => window.serviceTab.host());
    const r = await page!.evaluate(() => window.serviceTab.fromWorker('from-worker'));
    expect(r.ok).toEqual({ epoch: host!.epoch, where: 'shared-worker', hostId: host!.hostId });
    await verify([page!]);
  });
});

test.describe('service without SharedWorker (fallback: the elected tab hosts)', () => {
  test.beforeEach(async ({ context }) => context.addInitScript({ content: NO_SHARED_WORKER }));

  /** The tab that hosts (exactly one). */
  async function hostOf(pages: Page[]): Promise<Page> {
    const hosting: Page[] = [];
    for (const page of pages) if (await page.evaluate(() => window.serviceTab.hosting())) hosting.push(page);
    expect(hosting).toHaveLength(1);
    return hosting[0]!;
  }

  test('3 tabs: one hosts, all call it once each; close the host, then crash the next: calls under way reject, the next host has a higher epoch', async ({ tabs }) => {
    const pages = await open(tabs, 3);
    for (const page of pages) expect(await page.evaluate(() => window.serviceTab.transport)).toBe('channel');
    const first = await hostOf(pages);
    const results = await Promise.all(pages.flatMap((page, t) => Array.from({ length: 10 }, (_, i) => page.evaluate((id) => window.serviceTab.add(id), `t${t}-${i}`))));
    const epoch1 = results[0]!.ok!.epoch;
    for (const r of results) expect(r.ok).toMatchObject({ epoch: epoch1, where: 'page' });
    const failed = await pages[0]!.evaluate(() => window.serviceTab.fail());
    expect(failed.error).toMatchObject({ name: 'StaleLockError', generation: epoch1, isStale: true });

    // The host closes with a call of another tab under way.
    let rest = pages.filter((p) => p !== first);
    await rest[0]!.evaluate(() => window.serviceTab.hold('held-close'));
    await tabs.close(first);
    expect((await rest[0]!.evaluate(() => window.serviceTab.outcome('held-close'))).error).toMatchObject({ name: 'ServiceGoneError', epoch: epoch1, accepted: true });
    const second = await rest[1]!.evaluate(() => window.serviceTab.add('after-close'));
    expect(second.ok!.epoch).toBeGreaterThan(epoch1);
    const host2 = await hostOf(rest);

    // The next host crashes with a call under way.
    const survivor = rest.find((p) => p !== host2)!;
    await survivor.evaluate(() => window.serviceTab.hold('held-crash'));
    await tabs.crash(host2);
    expect((await survivor.evaluate(() => window.serviceTab.outcome('held-crash'))).error).toMatchObject({ name: 'ServiceGoneError', epoch: second.ok!.epoch, accepted: true });
    const third = await survivor.evaluate(() => window.serviceTab.add('after-crash'));
    expect(third.ok).toMatchObject({ where: 'page' });
    expect(third.ok!.epoch).toBeGreaterThan(second.ok!.epoch);
    expect(await survivor.evaluate(() => window.serviceTab.hosting())).toBe(true);
    rest = [survivor];
    const ledger = await verify(rest);
    expect(ledger.size).toBe(30 + 2 + 2);
  });
});

test.describe('service without SharedWorker nor Web Locks (fallback on IndexedDB leases)', () => {
  test.beforeEach(async ({ context }) => {
    await context.addInitScript({ content: NO_SHARED_WORKER });
    await context.addInitScript({ content: NO_WEB_LOCKS });
  });

  test('the elected tab hosts on leases; closed, the next one hosts with a higher epoch; calls under way reject', async ({ tabs }) => {
    const pages = await open(tabs, 3);
    for (const page of pages) expect(await page.evaluate(() => window.serviceTab.backend())).toBe('indexeddb');
    const hosting: Page[] = [];
    for (const page of pages) if (await page.evaluate(() => window.serviceTab.hosting())) hosting.push(page);
    expect(hosting).toHaveLength(1);
    const first = await pages[0]!.evaluate(() => window.serviceTab.add('one'));
    expect(first.ok).toMatchObject({ where: 'page' });
    const rest = pages.filter((p) => p !== hosting[0]);
    await rest[0]!.evaluate(() => window.serviceTab.hold('held'));
    await tabs.close(hosting[0]!);
    expect((await rest[0]!.evaluate(() => window.serviceTab.outcome('held'))).error).toMatchObject({ name: 'ServiceGoneError', epoch: first.ok!.epoch, accepted: true });
    const next = await rest[1]!.evaluate(() => window.serviceTab.add('two'));
    expect(next.ok!.epoch).toBeGreaterThan(first.ok!.epoch);
    const ledger = await verify(rest);
    expect([...ledger.keys()].sort()).toEqual(['held', 'one', 'two']);
  });
});
