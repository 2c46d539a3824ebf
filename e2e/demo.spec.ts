/**
 * The demo in 3 tabs, on each backend, with the wallet service in a SharedWorker and (`?service=tab`)
 * in the tab elected to host it: every round has exactly one participant, closing the participant
 * mid-round hands the next round to another tab, and the wallet balance equals the rounds credited (by
 * the service, each recorded with its epoch); all tabs follow one service host; one tab leads the sync,
 * all name its term, and the last sync written is the leader's; the backup the leader writes verifies.
 * Facts come from the pages and the FencedStore, not from timing.
 */
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.js';

interface TabState {
  tab: string;
  joined: number[];
  done: number[];
}

const state = (page: Page): Promise<TabState> =>
  page.evaluate(() => ({ tab: window.demo.tab, joined: [...window.demo.wallet.joined], done: [...window.demo.wallet.done] }));

for (const [backend, service] of [
  ['web', 'worker'],
  ['idb', 'worker'],
  ['web', 'tab'],
] as const) {
  test(`demo on ${backend}, service in a ${service === 'tab' ? 'leader tab' : 'SharedWorker'}: one participant per round, handover on close, balance = rounds`, async ({ tabs }, testInfo) => {
    const wallet = `e2e-${backend}-${service}-${Math.random().toString(36).slice(2, 8)}`;
    const pages = await tabs.open(3, `/demo/index.html?backend=${backend}&wallet=${wallet}&period=1000${service === 'tab' ? '&service=tab' : ''}`, 'demo');
    const hosts = await Promise.all(pages.map((p) => p.evaluate(() => window.demo.service())));
    for (const h of hosts) expect(h).toEqual({ ...hosts[0], where: service === 'tab' ? 'page' : 'shared-worker' });
    const all = () => Promise.all(pages.filter((p) => !p.isClosed()).map(state));
    const doneCount = async () => (await all()).reduce((n, s) => n + s.done.length, 0);
    await expect.poll(doneCount, { timeout: 15_000 }).toBeGreaterThanOrEqual(3);

    // Wait for a participant in the middle of its round (joined, not yet credited), then close it.
    let participant: Page | undefined;
    let round = 0;
    await expect
      .poll(
        async () => {
          for (const page of pages) {
            const s = await state(page);
            const last = s.joined.at(-1);
            if (last !== undefined && !s.done.includes(last)) [participant, round] = [page, last];
          }
          return participant !== undefined;
        },
        { timeout: 10_000, intervals: [50] },
      )
      .toBe(true);
    const closedState = await state(participant!);
    await tabs.close(participant!);
    const rest = pages.filter((p) => p !== participant);
    await expect
      .poll(async () => (await Promise.all(rest.map(state))).some((s) => s.done.some((r) => r > round)), { timeout: 10_000 })
      .toBe(true);

    for (const [i, page] of rest.entries()) await page.screenshot({ path: testInfo.outputPath(`demo-${backend}-tab${i + 1}.png`), fullPage: true });

    // Every round had at most one participant across all tabs, the closed one included.
    const states = [...(await Promise.all(rest.map(state))), closedState];
    const joined = states.flatMap((s) => s.joined);
    expect(new Set(joined).size).toBe(joined.length);
    // The wallet: balance = rounds recorded, each recorded by one tab that joined it.
    const entries = (await rest[0]!.evaluate(() => window.demo.store.entries())) as Array<[string, unknown]>;
    const rounds = entries.filter(([key]) => key.startsWith('round.'));
    const balance = entries.find(([key]) => key === 'balance')?.[1];
    expect(rounds.length).toBeGreaterThanOrEqual(4);
    expect(balance).toBe(rounds.length);
    for (const [key, value] of rounds) {
      const owner = states.find((s) => s.tab === (value as { tab: string }).tab);
      expect(owner?.joined, key).toContain(Number(key.slice('round.'.length)));
      expect((value as { epoch: number }).epoch, `${key} credited by a service host`).toBeGreaterThanOrEqual(hosts[0]!.epoch);
    }

    // The backup: written by the sync leader, verified on read, consistent (its balance = its rounds).
    await expect.poll(async () => (await rest[0]!.evaluate(() => window.demo.backup()))?.rounds ?? 0).toBeGreaterThanOrEqual(1);
    const backup = (await rest[0]!.evaluate(() => window.demo.backup()))!;
    expect(backup.balance).toBe(backup.rounds);

    // The sync: one leader among the tabs left, every tab names its term, and the last sync is its.
    await expect.poll(async () => (await Promise.all(rest.map((p) => p.evaluate(() => window.demo.isLeader())))).filter(Boolean).length).toBe(1);
    const terms = await Promise.all(rest.map((p) => p.evaluate(() => window.demo.term())));
    expect(new Set(terms).size).toBe(1);
    await expect.poll(async () => ((await rest[0]!.evaluate(() => window.demo.store.get('lastSync'))) as { term?: number } | undefined)?.term).toBe(terms[0]);
  });
}
