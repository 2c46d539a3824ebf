/**
 * `npm run bench:service`: how long after a service host dies its clients' calls under way reject with
 * `ServiceGoneError` (crosslock/service, issue 13), and how long until the next call is answered by a
 * new host. Each run is a fresh browser context with 3 tabs of e2e/pages/service.html; the tabs that
 * survive each start a call that never ends by itself, then the host is ended:
 * - `shared-worker / creator crashed`: the tab that created the SharedWorker crashes (CDP `Page.crash`),
 *   which kills the worker in Chromium;
 * - `fallback / host closed|crashed`: SharedWorker removed; the tab elected to host is closed (no
 *   beforeunload) or crashed; on Web Locks, and on IndexedDB leases (`navigator.locks` removed too).
 * "death → rejection" is from the moment the close or crash is sent to the moment each surviving tab's
 * call rejected (wall clocks of one machine); "→ next answer", to a new call's answer. Medians of
 * `--runs` runs (default 5) over both surviving tabs.
 */
import { chromium, type BrowserContext, type Page } from 'playwright';
import { createServer } from 'vite';
import { CHROMIUM_ARGS, findChromium } from '../tools/browser.js';
import { numberOption } from './args.js';

const runs = numberOption('runs', 5);

const NO_SHARED_WORKER = `Object.defineProperty(globalThis, 'SharedWorker', { configurable: true, value: undefined });`;
const NO_WEB_LOCKS = `Object.defineProperty(Navigator.prototype, 'locks', { configurable: true, get() { return undefined; } });`;

interface Scenario {
  readonly name: string;
  readonly scripts: readonly string[];
  readonly end: 'crash' | 'close';
  /** Which tab to end: the creator (first opened) or the one hosting. */
  readonly victim: 'creator' | 'host';
}

const scenarios: Scenario[] = [
  { name: 'shared-worker / creator crashed (Web Locks)', scripts: [], end: 'crash', victim: 'creator' },
  { name: 'fallback / host closed (Web Locks)', scripts: [NO_SHARED_WORKER], end: 'close', victim: 'host' },
  { name: 'fallback / host crashed (Web Locks)', scripts: [NO_SHARED_WORKER], end: 'crash', victim: 'host' },
  { name: 'fallback / host closed (leases)', scripts: [NO_SHARED_WORKER, NO_WEB_LOCKS], end: 'close', victim: 'host' },
  { name: 'fallback / host crashed (leases)', scripts: [NO_SHARED_WORKER, NO_WEB_LOCKS], end: 'crash', victim: 'host' },
];

const server = await createServer({ configFile: 'vite.config.ts', server: { port: 0, host: '127.0.0.1' }, logLevel: 'error' });
await server.listen();
const base = server.resolvedUrls!.local[0]!;
const browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS });
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function once(scenario: Scenario): Promise<{ rejected: number[]; next: number[] }> {
  const context: BrowserContext = await browser.newContext({ baseURL: base });
  try {
    for (const content of scenario.scripts) await context.addInitScript({ content });
    const pages: Page[] = [];
    for (let i = 0; i < 3; i++) {
      const page = await context.newPage();
      page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
      await page.goto('/e2e/pages/service.html');
      await page.waitForFunction(() => 'serviceTab' in window);
      await page.evaluate(() => window.serviceTab.connected());
      pages.push(page);
    }
    let victim = pages[0]!;
    if (scenario.victim === 'host') for (const page of pages) if (await page.evaluate(() => window.serviceTab.hosting())) victim = page;
    const others = pages.filter((p) => p !== victim);
    for (const [i, page] of others.entries()) await page.evaluate((id) => window.serviceTab.hold(id), `held-${i}`);
    const t0 = Date.now();
    if (scenario.end === 'close') await victim.close({ runBeforeUnload: false });
    else {
      const session = await context.newCDPSession(victim);
      const crashed = victim.waitForEvent('crash');
      session.send('Page.crash').catch(() => {});
      await crashed;
    }
    const rejected: number[] = [];
    const next: number[] = [];
    for (const [i, page] of others.entries()) {
      const outcome = await page.evaluate((id) => window.serviceTab.outcome(id), `held-${i}`);
      if (outcome.error?.name !== 'ServiceGoneError') throw new Error(`${scenario.name}: expected ServiceGoneError, got ${JSON.stringify(outcome)}`);
      rejected.push(outcome.at - t0);
      const answer = await page.evaluate((id) => window.serviceTab.add(id), `next-${i}`);
      if (!answer.ok) throw new Error(`${scenario.name}: the next call failed: ${JSON.stringify(answer)}`);
      next.push(answer.at - t0);
    }
    return { rejected, next };
  } finally {
    await context.close();
  }
}

try {
  console.log(`service host death, 3 tabs, ${runs} runs each (${browser.version()})`);
  console.log(`${'scenario'.padEnd(46)} death → rejection p50 (max)   → next answer p50`);
  for (const scenario of scenarios) {
    const rejected: number[] = [];
    const next: number[] = [];
    for (let r = 0; r < runs; r++) {
      const one = await once(scenario);
      rejected.push(...one.rejected);
      next.push(...one.next);
    }
    const ms = (x: number) => `${Math.round(x)} ms`;
    console.log(`${scenario.name.padEnd(46)} ${ms(median(rejected)).padStart(10)} (${ms(Math.max(...rejected))})`.padEnd(78) + ms(median(next)).padStart(10));
  }
} finally {
  await browser.close();
  await server.close();
}
