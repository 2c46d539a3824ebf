/**
 * `npm run bench:backup`: the cost of one backup swap (crosslock/backup) of a 100 kB payload, as the
 * swapper does it: pack, read and verify the current backup (SHA-256), encode the next one (SHA-256),
 * swap. IndexedDB in headless Chromium (one strict-durability transaction); files in Node (temp file,
 * fsync, archive copy with fsync, rename, directory fsync); OPFS in Chromium (createWritable, close).
 * Medians (and p90) of `--times` swaps.
 *
 * Options: --size 100000  --times 30
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright';
import { createServer } from 'vite';
import { BackupSwapper } from '../src/backup/swapper.js';
import { FileBackupTarget } from '../src/backup/file.js';
import { LeaderElection } from '../src/leader.js';
import { MemoryLockManager } from '../src/memory.js';
import { CHROMIUM_ARGS, findChromium } from '../tools/browser.js';
import { numberOption } from './args.js';

const size = numberOption('size', 100_000);
const times = numberOption('times', 30);
const stats = (xs: number[]): string => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return `p50 ${at(0.5).toFixed(2)} ms, p90 ${at(0.9).toFixed(2)} ms`;
};

// Node: the file target.
const dir = mkdtempSync(join(tmpdir(), 'crosslock-backup-bench-'));
try {
  const election = new LeaderElection(new MemoryLockManager({ prefix: 'bench' }), 'backup');
  await election.lead();
  const payload = new Uint8Array(size).map((_, i) => i % 251);
  const swapper = new BackupSwapper<number>({ election, walletId: 'bench', pack: () => payload, target: new FileBackupTarget(dir, 'bench') });
  await swapper.start(0);
  const node: number[] = [];
  for (let i = 1; i <= times; i++) {
    const t = performance.now();
    await swapper.update(i);
    node.push(performance.now() - t);
  }
  await election.close();
  console.log(`backup swap of ${size} bytes, ${times} swaps`);
  console.log(`  Node file target (${process.version}, ${tmpdir()}): ${stats(node)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

// Chromium: the IndexedDB target.
const server = await createServer({ configFile: 'vite.config.ts', server: { port: 0, host: '127.0.0.1' }, logLevel: 'error' });
await server.listen();
const browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS });
try {
  const page = await browser.newPage();
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  await page.goto(new URL('bench/pages/backup.html', server.resolvedUrls!.local[0]!).href);
  await page.waitForFunction(() => 'backupBench' in globalThis);
  for (const where of ['indexeddb', 'opfs'] as const) {
    const ms = await page.evaluate(([n, s, w]) => (globalThis as unknown as { backupBench(n: number, s: number, w: string): Promise<number[]> }).backupBench(n, s, w), [times, size, where] as const);
    console.log(`  ${where === 'opfs' ? 'OPFS' : 'IndexedDB'} target (Chromium ${browser.version()}): ${stats(ms)}`);
  }
} finally {
  await browser.close();
  await server.close();
}
