/**
 * `npm run bench:stale`: what idle lock records cost the IndexedDB lease backend. One Chromium page
 * fills a lease database with N idle records (`round.<i>`, the shape a wallet that locks per round
 * leaves behind), then times `query()`, a `lock()` that times out (its LockTimeoutError names the
 * holders, so it reads lock records too) and a `tryLock()`. Medians of `--times` runs.
 *
 * Options: --counts 0,1000,100000  --times 5
 */
import { chromium } from 'playwright';
import { createServer } from 'vite';
import { CHROMIUM_ARGS, findChromium } from '../tools/browser.js';
import { numberOption, option } from './args.js';

const counts = (option('counts') ?? '0,1000,100000').split(',').map(Number);
const times = numberOption('times', 5);

const server = await createServer({ configFile: 'vite.config.ts', server: { port: 0, host: '127.0.0.1' }, logLevel: 'error' });
await server.listen();
const browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS });
try {
  const page = await browser.newPage();
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  await page.goto(new URL('bench/pages/stale.html', server.resolvedUrls!.local[0]!).href);
  await page.waitForFunction(() => 'staleBench' in globalThis);
  console.log(`idle records | fill (s) | query() p50 ms | lock() timing out at 100 ms, p50 ms | tryLock() p50 ms | holder's lease lapsed   (${browser.version()}, ${times} runs)`);
  for (const count of counts) {
    const r = await page.evaluate(([n, t]) => (globalThis as unknown as { staleBench(n: number, t: number): Promise<Record<string, number>> }).staleBench(n, t), [count, times] as const);
    const ms = (x: number | undefined) => (x ?? NaN).toFixed(1);
    console.log(`${String(count).padStart(12)} | ${((r.fillMs ?? 0) / 1000).toFixed(1).padStart(8)} | ${ms(r.queryMs).padStart(14)} | ${ms(r.timeoutMs).padStart(34)} | ${ms(r.tryLockMs).padStart(15)} | ${String(r.lapsed).padStart(4)}/${times}`);
  }
} finally {
  await browser.close();
  await server.close();
}
