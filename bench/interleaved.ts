/**
 * `npm run bench:interleaved`: raw `navigator.locks` and crosslock's `WebLockManager` taking turns
 * acquisition by acquisition in ONE tab, so both see the same machine at the same moment (the main bench
 * runs each adapter in its own tabs, one after the other, and on 2 cores its runs move by ±20%). Per kind:
 * µs per acquire → empty section → release, over the first `--cold` rounds and then over `--calls` rounds,
 * `--rounds` times; and raw's time over crosslock's (1.00 = as fast as raw). Uncontended only: it compares
 * the per-call cost, not a handoff between tabs (issue 17).
 *
 * Kinds: raw; raw with crosslock's options (mode and one shared signal); crosslock's unchecked withLock()
 * (its fast path); unchecked lock() + release() (the general path).
 */
import { chromium } from 'playwright';
import { createServer } from 'vite';
import { CHROMIUM_ARGS, findChromium } from '../tools/browser.js';
import { numberOption } from './args.js';

const calls = numberOption('calls', 6000);
const cold = numberOption('cold', 800);
const rounds = numberOption('rounds', 3);

// A string, not a function: tsx's transform would add `__name` helpers the page does not have.
const loop = (n: number): string => `(async () => {
  const { WebLockManager } = await import('/src/index.ts');
  window.interleaved ??= new WebLockManager({ prefix: 'interleaved' });
  const manager = window.interleaved;
  const shared = new AbortController().signal;
  const empty = async () => {};
  const kinds = {
    raw: () => navigator.locks.request('interleaved.raw', empty),
    rawSignal: () => navigator.locks.request('interleaved.signal', { mode: 'exclusive', signal: shared }, empty),
    withLock: () => manager.withLock('fast', { timeout: Infinity, unchecked: true }, empty),
    lock: async () => (await manager.lock('general', { timeout: Infinity, unchecked: true })).release(),
  };
  const sums = Object.fromEntries(Object.keys(kinds).map((k) => [k, 0]));
  for (let i = 0; i < ${n}; i++) {
    for (const [kind, call] of Object.entries(kinds)) {
      const start = performance.now();
      await call();
      sums[kind] += performance.now() - start;
    }
  }
  return Object.fromEntries(Object.entries(sums).map(([k, total]) => [k, (total / ${n}) * 1000]));
})()`;

const server = await createServer({ configFile: 'vite.config.ts', server: { port: 0, host: '127.0.0.1' }, logLevel: 'error' });
await server.listen();
const browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS });
try {
  const page = await browser.newPage();
  await page.goto(`${server.resolvedUrls!.local[0]!}bench/pages/bench.html`);
  await page.waitForFunction(() => 'bench' in window);
  const show = (label: string, us: Record<string, number>): void =>
    console.log(
      `${label.padEnd(14)}${Object.entries(us)
        .map(([k, v]) => `${k} ${v.toFixed(1)}`.padEnd(18))
        .join('')}raw/withLock ${(us.raw! / us.withLock!).toFixed(3)}  raw/lock ${(us.raw! / us.lock!).toFixed(3)}`,
    );
  console.log(`µs per acquisition, kinds taking turns in one tab (Chromium ${browser.version()})`);
  show(`cold ${cold}`, (await page.evaluate(loop(cold))) as Record<string, number>);
  for (let r = 1; r <= rounds; r++) show(`warm ${calls}`, (await page.evaluate(loop(calls))) as Record<string, number>);
} finally {
  await browser.close();
  await server.close();
}
