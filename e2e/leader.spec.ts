/**
 * `crosslock/leader` across real tabs, on Web Locks and on IndexedDB leases (navigator.locks removed
 * before any page script runs). Each tab (e2e/pages/leader.ts) campaigns on load and, while it leads,
 * writes a ledger through a FencedStore fenced by its term. After every test the ledger is read back
 * from IndexedDB: terms strictly increase from one leader to the next, and no two leaders' writes
 * landed in one term; every promise the pages started settled, and no page logged an error.
 * Every wait is on an event (a tab leading, a signal aborting, a beat seen); no test sleeps.
 */
import type { Page } from '@playwright/test';
import { expect, test, type Tabs } from './fixtures.js';
import { withoutWebLocks } from './helpers.js';

const HB = 250;
const STALE = 2000;
const PAGE = `/e2e/pages/leader.html?hb=${HB}&stale=${STALE}`;
/**
 * For the tests that count elections exactly (close, crash, opened at once): on Web Locks a leader whose
 * main thread stalls past `staleAfterMs - heartbeatMs` steps down ('stale') and a follower may steal, as
 * designed; on a loaded 2-core CI machine 8 tabs loading at once stalled one for more than 1.75 s, which
 * added an election the test did not cause. Neither close nor crash needs staleness to hand over.
 * The same on IndexedDB leases: a lease of the default 1500 ms lapsed there once (CI, 8 tabs loading,
 * renewals held up past it: 'LockLostError:expired' before the first leader the test saw). Leases of
 * 5000 ms tolerate most such stalls; a crashed leader's lease still lapses within the test's time. A
 * longer stall still makes a lease lapse, as it should: `expectEachElectionCaused` then asks that the
 * leader before each extra election was told so.
 */
const CALM = `/e2e/pages/leader.html?hb=${HB}&stale=60000&lease=5000`;

async function open(tabs: Tabs, count: number, backend: string, url = PAGE): Promise<Page[]> {
  const pages = await tabs.open(count, url, 'leaderTab');
  for (const page of pages) expect(await page.evaluate(() => window.leaderTab.ready())).toBe(backend);
  return pages;
}

/** The tab that leads once one does (and only one does). */
async function leaderOf(pages: Page[]): Promise<{ page: Page; term: number }> {
  const term = await Promise.any(pages.map((p) => p.evaluate(() => window.leaderTab.leads())));
  const leading = [];
  for (const page of pages) if (await page.evaluate(() => window.leaderTab.isLeader())) leading.push(page);
  expect(leading).toHaveLength(1);
  return { page: leading[0]!, term };
}

/** The ledger's invariants, the promise count and the pages' own problems, after draining every live page. */
async function verify(pages: Page[]): Promise<Array<{ term: number; clientId: string }>> {
  const live = pages.filter((p) => !p.isClosed());
  const ledger = await live[0]!.evaluate(() => window.leaderTab.ledger());
  for (const page of live) {
    const { started, settled } = await page.evaluate(() => window.leaderTab.drain());
    expect(settled, 'every promise a page started settled').toBe(started);
    expect(await page.evaluate(() => window.leaderTab.problems())).toEqual([]);
  }
  const byTerm = new Map<number, Set<string>>();
  for (const [, e] of ledger) byTerm.set(e.term, (byTerm.get(e.term) ?? new Set()).add(e.clientId));
  for (const [term, clients] of byTerm) expect([...clients], `writes of one term (${term}) from one leader`).toHaveLength(1);
  const elected = ledger.filter(([key]) => key.startsWith('elected:')).map(([, e]) => e).sort((a, b) => a.at - b.at);
  for (let i = 1; i < elected.length; i++) expect(elected[i]!.term, 'terms strictly increase').toBeGreaterThan(elected[i - 1]!.term);
  return elected;
}

/** How each page's leaderships ended. */
async function endsOf(pages: Page[]): Promise<Array<Array<{ term: number; reason: string; message: string }>>> {
  return Promise.all(pages.map((p) => p.evaluate(() => window.leaderTab.ends())));
}

/**
 * Every election but the first has a cause: the leader before it was closed or crashed by the test
 * (`caused`), or it was told its lease lapsed or it stepped down stale. A lapse is a lease doing its
 * job on a starved machine (a tab's renewals held up past leaseMs), not a second leader: the ledger's
 * invariants (terms increase, one writer per term) are checked in `verify()` all the same. An election
 * whose predecessor ended for no reason any tab was told of fails here.
 */
async function expectEachElectionCaused(live: Page[], elected: Array<{ term: number }>, caused: number[], seen: number[]): Promise<void> {
  const ends = await endsOf(live);
  const lapsed = ends.flat().filter((e) => e.reason === 'LockLostError:expired' || e.reason === 'LeadershipEndedError:stale').map((e) => e.term);
  const terms = elected.map((e) => e.term);
  const why = `elections ${JSON.stringify(terms)}; the test's ${JSON.stringify(seen)}; ends seen by the live tabs: ${JSON.stringify(ends)}`;
  for (const term of seen) expect(terms, why).toContain(term);
  for (let i = 1; i < terms.length; i++) expect([...caused, ...lapsed], `${why}: what ended term ${terms[i - 1]}`).toContain(terms[i - 1]);
}

for (const backend of ['web-locks', 'indexeddb'] as const) {
  test.describe(`leader election on ${backend === 'web-locks' ? 'Web Locks' : 'IndexedDB leases'}`, () => {
    if (backend === 'indexeddb') test.beforeEach(async ({ context }) => withoutWebLocks(context));

    test('8 tabs elect one leader, everyone knows it; closed, then crashed: a new leader each time', async ({ tabs }) => {
      const pages = await open(tabs, 8, backend, CALM);
      const first = await leaderOf(pages);
      const id = await first.page.evaluate(() => window.leaderTab.clientId());
      for (const page of pages) await expect.poll(() => page.evaluate(() => window.leaderTab.leader())).toMatchObject({ clientId: id, term: first.term });

      await tabs.close(first.page);
      const second = await leaderOf(pages.filter((p) => p !== first.page));
      expect(second.term).toBeGreaterThan(first.term);

      await tabs.crash(second.page);
      const third = await leaderOf(pages.filter((p) => p !== first.page && p !== second.page));
      expect(third.term).toBeGreaterThan(second.term);

      const live = pages.filter((p) => p !== first.page && p !== second.page);
      const elected = await verify(live);
      await expectEachElectionCaused(live, elected, [first.term, second.term], [first.term, second.term, third.term]);
    });

    test('a leader frozen past staleAfterMs is replaced; thawed, its signal is aborted and its fenced write refused', async ({ tabs, context }) => {
      const pages = await open(tabs, 4, backend);
      const old = await leaderOf(pages);
      const others = pages.filter((p) => p !== old.page);
      // The debugger stops the page's main thread: no task of it runs, as in a frozen or hung tab.
      // Its ledger writes are stopped first (see quiet() in the page).
      await old.page.evaluate(() => window.leaderTab.quiet());
      const cdp = await context.newCDPSession(old.page);
      await cdp.send('Debugger.enable');
      // A pause that lands inside one of its lease renewals (leases: every 500 ms) would hold the lease
      // store for everyone: that is the documented hung-tab limitation, not this test's subject. So the
      // freeze is taken again until it landed between transactions (another tab can write the store).
      // An idle page is paused at the next script it runs, which is as often a renewal's IndexedDB callback
      // (store held) as a tick (store free): about half the attempts land inside; 5 failed once in a CI run
      // (a 3% chance at one half), so up to 20 (one in a million).
      // `Debugger.pause` only asks: the page stops at its next script. Each attempt waits until it has
      // stopped (its leader loop runs every 100 ms), so the store is looked at while it really is paused
      // and the resume below never meets a page still running (CI: "Can only perform operation while paused").
      let paused = false;
      cdp.on('Debugger.paused', () => (paused = true));
      cdp.on('Debugger.resumed', () => (paused = false));
      for (let attempt = 0; ; attempt++) {
        const landed = new Promise<void>((resolve) => cdp.once('Debugger.paused', () => resolve()));
        await cdp.send('Debugger.pause');
        await landed;
        if (backend === 'web-locks' || (await others[0]!.evaluate(() => window.leaderTab.storeFree(1000)))) break;
        expect(attempt, 'a pause between two lease transactions').toBeLessThan(20);
        await cdp.send('Debugger.resume');
      }
      const next = await leaderOf(others);
      expect(next.term).toBeGreaterThan(old.term);
      expect(paused, 'the old leader stayed paused until here').toBe(true);
      await cdp.send('Debugger.resume');
      await cdp.send('Debugger.disable');
      expect(await old.page.evaluate(() => window.leaderTab.writeNow())).toBe('StaleLockError');
      const lastLead = await old.page.evaluate(() => window.leaderTab.lastLeadership());
      expect(lastLead).toMatchObject({ term: old.term, aborted: true });
      // Told it was stolen (Web Locks) or its lease expired (leases), or it stepped down on its own first.
      expect(['LockLostError', 'LeadershipEndedError']).toContain(lastLead!.reason);
      expect(await old.page.evaluate(() => window.leaderTab.isLeader())).toBe(false);
      await verify(pages);
    });

    test('a leader whose page timers are throttled keeps leading: it beats from a worker', async ({ tabs }) => {
      // Opened first, alone, so it leads; its timers never run (stubbed before anything starts one).
      const [throttled] = await tabs.open(1, `${PAGE}&throttled`, 'leaderTab');
      expect(await throttled!.evaluate(() => window.leaderTab.ready())).toBe(backend);
      const term = await throttled!.evaluate(() => window.leaderTab.leads());
      const followers = await open(tabs, 2, backend);
      // Wait, on its own announcements, for more than twice staleAfterMs of beats.
      await followers[0]!.evaluate(
        ({ n }) =>
          new Promise<number>((resolve) => {
            let seen = 0;
            const channel = new BroadcastChannel('crosslock:leader:v1:e2e:leader+wallet');
            channel.onmessage = (e) => {
              if ((e.data as { t?: string })?.t === 'beat' && ++seen === n) {
                channel.close();
                resolve(seen);
              }
            };
          }),
        { n: Math.ceil((2 * STALE) / HB) + 2 },
      );
      expect(await throttled!.evaluate(() => window.leaderTab.isLeader())).toBe(true);
      for (const page of followers) expect(await page.evaluate(() => window.leaderTab.leader()?.term)).toBe(term);
      await verify([throttled!, ...followers]);
    });

    test('preferVisible: a hidden leader keeps leading among hidden tabs, and hands off once a visible tab waits', async ({ tabs }) => {
      const [a] = await tabs.open(1, `${PAGE}&prefer`, 'leaderTab');
      const first = await a!.evaluate(() => window.leaderTab.leads());
      await a!.evaluate(() => window.leaderTab.setHidden(true));
      const [b] = await tabs.open(1, `${PAGE}&prefer&hidden`, 'leaderTab');
      // b waits in the queue (hidden): no handoff among hidden tabs.
      await expect.poll(() => b!.evaluate(() => window.leaderTab.waiting())).toBe(1);
      expect(await a!.evaluate(() => window.leaderTab.isLeader())).toBe(true);
      // A visible tab starts waiting: the hidden leader hands off; b (hidden) gets the lock first and hands off too.
      const [c] = await tabs.open(1, `${PAGE}&prefer`, 'leaderTab');
      const term = await c!.evaluate(() => window.leaderTab.leads());
      expect(term).toBeGreaterThan(first);
      expect(await a!.evaluate(() => window.leaderTab.lastLeadership())).toMatchObject({ aborted: true, reason: 'LeadershipEndedError', kind: 'handed-off' });
      expect(await a!.evaluate(() => window.leaderTab.ends()[0])).toMatchObject({ term: first, reason: 'LeadershipEndedError:handed-off' });
      expect(await a!.evaluate(() => window.leaderTab.isLeader())).toBe(false);
      await verify([a!, b!, c!]);
    });

    test('3 tabs opened at once: one leader', async ({ tabs }) => {
      const pages = await open(tabs, 3, backend, CALM);
      const { term } = await leaderOf(pages);
      const elected = await verify(pages);
      await expectEachElectionCaused(pages, elected, [], [term]);
    });
  });
}
