/**
 * Leader failover, 4 tabs: every tab of one context opens at once and campaigns; once one leads, it is
 * closed (no beforeunload), crashed (CDP Page.crash) or frozen (CDP Debugger.pause, resumed once
 * another tab leads or the cap passed), and the time from that moment (Node's wall clock) to the next
 * leader's election (the page's wall clock, the same machine's) is the failover time.
 *
 * Duplicate leaders: every tab asks its election, every 10 ms, whether it leads, and acts if so
 * (bench/pages/leader.ts logs the spans of consecutive acting ticks). A run has a duplicate when two
 * tabs acted as leader at one moment: their acting spans meet. A frozen leader does not act; one that
 * thaws and acts before it learns another tab leads is a second leader. A closed or crashed leader acts
 * until it is ended. The first election (4 tabs opened together) counts too.
 */
import type { BrowserContext } from 'playwright';

export type LeaderEnding = 'close' | 'crash' | 'freeze';

export interface LeaderOutcome {
  /** ms from the ending to the next leader; Infinity past the cap. */
  readonly ms: number;
  readonly duplicate: boolean;
  /** Pairs of acting spans that met (what made `duplicate`). */
  readonly overlaps: number;
}

type Span = [number, number];

/** How many pairs of acting spans of two different tabs meet (0: never two leaders at once). */
export function overlaps(tabs: ReadonlyArray<readonly Span[]>): number {
  let count = 0;
  for (let i = 0; i < tabs.length; i++) {
    for (let j = i + 1; j < tabs.length; j++) {
      for (const [a, b] of tabs[i]!) for (const [c, d] of tabs[j]!) if (Math.max(a, c) <= Math.min(b, d)) count++;
    }
  }
  return count;
}

const within = <T>(promise: Promise<T>, ms: number): Promise<T | undefined> => {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const cap = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  return Promise.race([promise, cap]).finally(() => clearTimeout(timer));
};

export async function leaderFailoverOnce(
  newContext: () => Promise<BrowserContext>,
  base: string,
  adapter: string,
  webLocks: boolean,
  ending: LeaderEnding,
  cap: number,
  tabs = 4,
): Promise<LeaderOutcome> {
  const context = await newContext();
  try {
    const pages = await Promise.all(Array.from({ length: tabs }, () => context.newPage()));
    await Promise.all(pages.map((p) => p.goto(`${base}bench/pages/bench.html`).then(() => p.waitForFunction(() => 'leaderBench' in window))));
    const has = await pages[0]!.evaluate(() => window.bench.hasWebLocks());
    if (has !== webLocks) throw new Error(`${adapter}: the pages ${has ? 'have' : 'lack'} Web Locks, the row says otherwise`);
    await Promise.all(pages.map((p) => p.evaluate((a) => window.leaderBench.elect(a, 'failover'), adapter)));
    const first = await Promise.any(pages.map((p, i) => p.evaluate(() => window.leaderBench.becameLeader()).then(() => i)));
    const leader = pages[first]!;
    const others = pages.filter((p) => p !== leader);
    // Every follower has run a frame since (its campaign is under way).
    await Promise.all(others.map((p) => p.evaluate(() => new Promise((r) => requestAnimationFrame(r)))));
    const leaderLog = await leader.evaluate(() => window.leaderBench.log());
    const next = Promise.any(others.map((p) => p.evaluate(() => window.leaderBench.becameLeader())));
    next.catch(() => {}); // pages go away with the context

    const cdp = ending === 'close' ? undefined : await context.newCDPSession(leader);
    if (ending === 'freeze') await cdp!.send('Debugger.enable');
    const paused = ending === 'freeze' ? new Promise<void>((resolve) => cdp!.once('Debugger.paused', () => resolve())) : undefined;
    const ended = Date.now();
    if (ending === 'close') await leader.close({ runBeforeUnload: false });
    else if (ending === 'crash') cdp!.send('Page.crash').catch(() => {});
    else await cdp!.send('Debugger.pause');
    await paused;
    const at = await within(next, cap);

    let endedSpans: Span[];
    if (ending === 'freeze') {
      await cdp!.send('Debugger.resume');
      await cdp!.send('Debugger.disable');
      // The thawed tab runs its queued tasks (a steal's notice among them) and a few ticks of its loop.
      await leader.evaluate(() => new Promise((r) => setTimeout(r, 50)));
      endedSpans = (await leader.evaluate(() => window.leaderBench.log())).acted;
    } else {
      // It acted until it was ended.
      endedSpans = leaderLog.acted.map(([a, b], i, all): Span => [a, i === all.length - 1 && leaderLog.acting ? ended : b]);
    }
    const logs = await Promise.all(others.map((p) => p.evaluate(() => window.leaderBench.log())));
    const met = overlaps([endedSpans, ...logs.map((l) => l.acted)]);
    return { ms: at === undefined ? Infinity : at - ended, duplicate: met > 0 || (at !== undefined && at < ended), overlaps: met };
  } finally {
    await context.close();
  }
}

