import { chromium } from 'playwright';
import { createServer } from 'vite';
import { CHROMIUM_ARGS, findChromium } from '../tools/browser.js';
const server = await createServer({ configFile: 'vite.config.ts', server: { port: 0, host: '127.0.0.1' }, logLevel: 'error' });
await server.listen();
const browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS });
const ctx = await browser.newContext();
const pages = [await ctx.newPage(), await ctx.newPage(), await ctx.newPage(), await ctx.newPage()];
for (const p of pages) await p.goto(`${server.resolvedUrls!.local[0]}bench/pages/bench.html`);
const fn = `(async (dur) => {
  const db = await new Promise((res) => { const r = indexedDB.open('cost', 1); r.onupgradeneeded = () => r.result.createObjectStore('s'); r.onsuccess = () => res(r.result); });
  const one = (durability) => new Promise((res, rej) => { const tx = db.transaction('s', 'readwrite', { durability }); const st = tx.objectStore('s'); const g = st.get('k'); g.onsuccess = () => st.put((g.result ?? 0) + 1, 'k'); tx.oncomplete = res; tx.onerror = rej; });
  const out = {};
  for (const d of ['relaxed', 'default']) { let n = 0; const end = performance.now() + dur; while (performance.now() < end) { await one(d); n++; } out[d] = (dur / n).toFixed(2) + ' ms/tx'; }
  return out;
})`;
console.log('1 tab', await pages[0]!.evaluate(`${fn}(1000)`));
console.log('4 tabs', await Promise.all(pages.map((p) => p.evaluate(`${fn}(1000)`))));
await browser.close(); await server.close();
