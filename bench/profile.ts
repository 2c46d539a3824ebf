/**
 * `npm run bench:profile`: where a Web Locks acquisition's time goes, by CDP. Tabs loop on one lock
 * (the bench's in-page loop, bench/pages/bench.ts) for raw `navigator.locks.request` and for
 * crosslock's `WebLockManager` (unchecked `withLock`, the `crosslock-web` adapter), while the CPU
 * profiler samples the first tab. Per adapter: acquisitions/s, and the share of that tab's CPU samples
 * whose running function is crosslock's own code (`/src/`), with the functions that take most of it.
 * Run it before and after a change to the hot path (issue 17 asks for the figures).
 *
 * Options: --tabs 1,4  --adapters raw,crosslock-web  --seconds 2  --interval 100 (µs between samples)
 */
import type { Page } from 'playwright';
import { chromium } from 'playwright';
import { createServer } from 'vite';
import { CHROMIUM_ARGS, findChromium } from '../tools/browser.js';
import { option } from './args.js';

const tabCounts = (option('tabs') ?? '1,4').split(',').map(Number);
const adapters = (option('adapters') ?? 'raw,crosslock-web').split(',');
const seconds = Number(option('seconds') ?? 2);
const interval = Number(option('interval') ?? 100);

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples?: number[];
}

/** Self samples per function, and how many of them are crosslock's own code. */
function attribute(profile: Profile): { total: number; ours: number; top: Array<[string, number]> } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const counts = new Map<number, number>();
  for (const id of profile.samples ?? []) counts.set(id, (counts.get(id) ?? 0) + 1);
  let total = 0;
  let ours = 0;
  const perFunction = new Map<string, number>();
  for (const [id, count] of counts) {
    const { callFrame } = byId.get(id)!;
    // The idle and program pseudo-frames are not the page's work.
    if (callFrame.functionName === '(idle)' || callFrame.functionName === '(program)') continue;
    total += count;
    const path = callFrame.url.replace(/^.*?\/src\//, 'src/').replace(/\?.*$/, '');
    if (!callFrame.url.includes('/src/')) continue;
    ours += count;
    const key = `${callFrame.functionName || '(anonymous)'} ${path}:${callFrame.lineNumber + 1}`;
    perFunction.set(key, (perFunction.get(key) ?? 0) + count);
  }
  return { total, ours, top: [...perFunction].sort((a, b) => b[1] - a[1]).slice(0, 6) };
}

const server = await createServer({ configFile: 'vite.config.ts', server: { port: 0, host: '127.0.0.1' }, logLevel: 'error' });
await server.listen();
const base = server.resolvedUrls!.local[0]!;
const browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS });
try {
  for (const tabs of tabCounts) {
    for (const adapter of adapters) {
      const context = await browser.newContext();
      try {
        const pages: Page[] = await Promise.all(Array.from({ length: tabs }, () => context.newPage()));
        await Promise.all(pages.map((p) => p.goto(`${base}bench/pages/bench.html`).then(() => p.waitForFunction(() => 'bench' in window))));
        // A warm-up loop first: the profile should show steady state, not the first compile.
        await Promise.all(pages.map((p, tab) => p.evaluate(({ adapter, tab }) => window.bench.run(adapter, 'profile', Date.now(), Date.now() + 300, false, `t${tab}`), { adapter, tab })));
        const cdp = await context.newCDPSession(pages[0]!);
        await cdp.send('Profiler.enable');
        await cdp.send('Profiler.setSamplingInterval', { interval });
        const startAt = Date.now() + 300;
        const endAt = startAt + seconds * 1000;
        await cdp.send('Profiler.start');
        const grants = await Promise.all(
          pages.map((p, tab) => p.evaluate(({ adapter, startAt, endAt, tab }) => window.bench.run(adapter, 'profile', startAt, endAt, false, `t${tab}`), { adapter, startAt, endAt, tab })),
        );
        const { profile } = (await cdp.send('Profiler.stop')) as { profile: Profile };
        const perSecond = Math.round(grants.flat().filter((g) => g.acquired <= endAt).length / seconds);
        const { total, ours, top } = attribute(profile);
        console.log(`${tabs} tab${tabs === 1 ? ' ' : 's'} ${adapter.padEnd(16)} ${String(perSecond).padStart(6)} acq/s · first tab busy samples ${total}, crosslock's own ${ours} (${total ? ((ours / total) * 100).toFixed(1) : 0}%)`);
        for (const [name, count] of top) console.log(`      ${String(count).padStart(5)}  ${name}`);
      } finally {
        await context.close();
      }
    }
  }
} finally {
  await browser.close();
  await server.close();
}
