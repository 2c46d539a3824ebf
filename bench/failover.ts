/**
 * Failover: tab A holds the lock, tab B waits for it; A is closed (no beforeunload) or its renderer is
 * crashed (CDP Page.crash); the time from that moment (Node's wall clock) to B's acquisition (the
 * page's wall clock, the same machine's) is the failover time. A waiter that acquires before the
 * holder ended means two holders at once: reported as 'duplicate' (seen with leader elections).
 */
import type { BrowserContext } from 'playwright';

export type Ending = 'close' | 'crash';

export async function failoverOnce(
  newContext: () => Promise<BrowserContext>,
  base: string,
  adapter: string,
  ending: Ending,
  cap: number,
  webLocks: boolean,
): Promise<number | 'duplicate'> {
  const context = await newContext();
  try {
    const [holder, waiter] = await Promise.all([context.newPage(), context.newPage()]);
    for (const page of [holder!, waiter!]) {
      await page.goto(`${base}bench/pages/bench.html`);
      await page.waitForFunction(() => 'bench' in window);
    }
    // A `:nolocks` row once ran on Web Locks unnoticed (its init script had failed): never again.
    const has = await holder!.evaluate(() => window.bench.hasWebLocks());
    if (has !== webLocks) throw new Error(`${adapter}: the pages ${has ? 'have' : 'lack'} Web Locks, the row says otherwise`);
    await holder!.evaluate((a) => window.bench.hold(a, 'failover'), adapter);
    const acquired = waiter!.evaluate((a) => window.bench.waitFor(a, 'failover'), adapter);
    // Let the waiter's request reach the backend (a round trip through the page is enough).
    await waiter!.evaluate(() => new Promise((r) => requestAnimationFrame(r)));
    const cdp = ending === 'crash' ? await context.newCDPSession(holder!) : undefined;
    const ended = Date.now();
    if (cdp) {
      cdp.send('Page.crash').catch(() => {});
    } else {
      await holder!.close({ runBeforeUnload: false });
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const gaveUp = new Promise<number>((resolve) => (timer = setTimeout(() => resolve(Number.POSITIVE_INFINITY), cap)));
    const at = await Promise.race([acquired, gaveUp]);
    clearTimeout(timer);
    acquired.catch(() => {}); // the page goes away with the context
    return at < ended ? 'duplicate' : at - ended;
  } finally {
    await context.close();
  }
}
