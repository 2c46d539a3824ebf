/**
 * `npm run bench [-- --quick] [-- --adapters raw,crosslock-web] [-- --tabs 2,4]`: N tabs of one
 * browser context loop on one lock for a fixed time, all starting together; per adapter and N it
 * prints acquisitions/s, handoff p50/p99 (release in one tab → next acquisition anywhere) and the share
 * of grants that went back to the tab that held last, as medians over repeats. JSON lands in bench/results/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { chromium, type Page } from 'playwright';
import { createServer } from 'vite';
import { CHROMIUM_ARGS, findChromium } from '../tools/browser.js';
import { failoverOnce, type Ending } from './failover.js';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : undefined;
};
const quick = args.includes('--quick');
const tabCounts = (option('tabs') ?? (quick ? '4' : '2,4,8')).split(',').map(Number);
const adapters = (option('adapters') ?? 'raw,crosslock-web,crosslock-web-checked,crosslock-idb').split(',');
const seconds = Number(option('seconds') ?? (quick ? 2 : 4));
const repeats = Number(option('repeats') ?? (quick ? 2 : 3));

interface Grant {
  acquired: number;
  released: number;
  tab: number;
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
const median = (values: number[]): number => percentile([...values].sort((a, b) => a - b), 0.5);

function measure(grants: Grant[], seconds: number) {
  grants.sort((a, b) => a.acquired - b.acquired);
  const handoffs: number[] = [];
  let same = 0;
  for (let i = 1; i < grants.length; i++) {
    handoffs.push(grants[i]!.acquired - grants[i - 1]!.released);
    if (grants[i]!.tab === grants[i - 1]!.tab) same++;
  }
  handoffs.sort((a, b) => a - b);
  return {
    perSecond: grants.length / seconds,
    handoffP50: percentile(handoffs, 0.5),
    handoffP99: percentile(handoffs, 0.99),
    sameTabShare: grants.length > 1 ? same / (grants.length - 1) : 0,
  };
}

// Cross-origin isolation gives performance.now() 5 µs resolution instead of 100 µs, which handoffs of
// a few tenths of a millisecond need.
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
const server = await createServer({
  configFile: 'vite.config.ts',
  server: { port: 0, host: '127.0.0.1', headers: isolation },
  logLevel: 'error',
});
await server.listen();
const base = server.resolvedUrls!.local[0]!;
const browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS });
const results: Array<Record<string, unknown>> = [];

/** One timed run: `tabs` fresh tabs of a fresh context loop on one lock from a common start. */
async function runOnce(adapter: string, tabs: number): Promise<ReturnType<typeof measure>> {
  const context = await browser.newContext();
  try {
    const pages: Page[] = await Promise.all(Array.from({ length: tabs }, () => context.newPage()));
    await Promise.all(pages.map((p) => p.goto(`${base}bench/pages/bench.html`).then(() => p.waitForFunction(() => 'bench' in window))));
    const startAt = Date.now() + 500;
    const endAt = startAt + seconds * 1000;
    const perTab = await Promise.all(
      pages.map((p, tab) =>
        p
          .evaluate(({ adapter, startAt, endAt }) => window.bench.run(adapter, 'bench', startAt, endAt), { adapter, startAt, endAt })
          .then((grants) => grants.filter((g) => g.acquired <= endAt).map((g) => ({ ...g, tab }))),
      ),
    );
    return measure(perTab.flat(), seconds);
  } finally {
    await context.close();
  }
}
try {
  for (const tabs of tabCounts) {
    // Adapters take turns inside each repeat (A B A B …), so drift in machine load hits all alike.
    const runs = new Map<string, ReturnType<typeof measure>[]>(adapters.map((a) => [a, []]));
    for (let r = 0; r < repeats; r++) {
      for (const adapter of adapters) runs.get(adapter)!.push(await runOnce(adapter, tabs));
    }
    for (const adapter of adapters) {
      const list = runs.get(adapter)!;
      const row = {
        adapter,
        tabs,
        perSecond: Math.round(median(list.map((r) => r.perSecond))),
        handoffP50: +median(list.map((r) => r.handoffP50)).toFixed(3),
        handoffP99: +median(list.map((r) => r.handoffP99)).toFixed(3),
        sameTabShare: +median(list.map((r) => r.sameTabShare)).toFixed(3),
      };
      results.push(row);
      console.log(
        `${String(tabs).padStart(2)} tabs  ${adapter.padEnd(16)} ${String(row.perSecond).padStart(7)} acq/s   handoff p50 ${row.handoffP50.toFixed(3)} ms  p99 ${row.handoffP99.toFixed(3)} ms   same-tab ${(row.sameTabShare * 100).toFixed(1)}%`,
      );
    }
  }
  // Failover after the holder is closed and after it crashes, median of several runs.
  const failovers = Number(option('failovers') ?? (quick ? 3 : 5));
  for (const adapter of adapters) {
    const row: Record<string, unknown> = { adapter, kind: 'failover' };
    for (const ending of ['close', 'crash'] as Ending[]) {
      const times: number[] = [];
      for (let i = 0; i < failovers; i++) times.push(await failoverOnce(browser, base, adapter, ending));
      row[ending] = Math.round(median(times));
    }
    results.push(row);
    console.log(`failover  ${adapter.padEnd(16)} after close ${String(row.close).padStart(5)} ms   after crash ${String(row.crash).padStart(5)} ms`);
  }
} finally {
  await browser.close();
  await server.close();
}
const meta = { browser: browser.version(), cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, seconds, repeats, date: new Date().toISOString() };
console.log(`\n${meta.browser} · ${meta.cpus} × ${meta.cpu} · ${seconds} s × ${repeats} repeats, medians`);
mkdirSync('bench/results', { recursive: true });
writeFileSync(`bench/results/bench-${Date.now()}.json`, JSON.stringify({ meta, results }, null, 2));
