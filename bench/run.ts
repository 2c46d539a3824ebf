/**
 * `npm run bench` (full, ~5 min on 2 cores) or `npm run bench -- --quick` (~1 min): N tabs of one
 * browser context loop acquire → tiny critical section → release on one lock, all starting together,
 * adapters taking turns inside each repeat. Per adapter and N: acquisitions/s, handoff p50/p99 (release
 * in one tab → next acquisition anywhere), fairness (share of grants back to the tab that held last),
 * and, in a separate pass with the IndexedDB exclusion checker as the critical section, overlaps and
 * lost updates. Then failover: the holder tab closed, and crashed (CDP), until a waiting tab holds.
 * Medians over repeats. Tables on stdout; JSON in bench/results/ (ignored by git).
 *
 * Then leader elections (bench/leader.ts): 4 tabs opened at once elect; the leader is closed, crashed
 * or frozen; the time until another tab leads, and runs with two leaders at once.
 *
 * Every timed loop runs in fresh tabs that first loop for `--warmup` ms (default 1000) on another lock,
 * contended the same way: the figures are of code V8 has compiled, as in an app that has been running;
 * `--warmup 0` measures cold pages instead (both are in the README; issue 17).
 *
 * Options: --tabs 2,4,8  --adapters a,b  --failover-adapters a,b  --leader-adapters a,b  --seconds 1.5
 *          --repeats 3  --failovers 3  --failover-cap 8000 (ms; slower failovers show as "> cap")  --warmup 1000
 *          --freeze-cap 15000 (ms, for the leader rows after a freeze)
 * An adapter name ending in `:nolocks` runs in pages without navigator.locks.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { chromium, type BrowserContext } from 'playwright';
import { createServer } from 'vite';
import { withoutWebLocks } from '../e2e/helpers.js';
import { CHROMIUM_ARGS, findChromium } from '../tools/browser.js';
import { failoverOnce, type Ending } from './failover.js';
import { leaderFailoverOnce, type LeaderEnding } from './leader.js';
import { measure, median, type Grant, type Measured } from './measure.js';
import { flag, option } from './args.js';

const list = (name: string, fallback: string): string[] => (option(name) ?? fallback).split(',').filter(Boolean);
const quick = flag('quick');
const tabCounts = list('tabs', quick ? '4' : '2,4,8').map(Number);
const adapters = list('adapters', 'raw,crosslock-web,crosslock-web-checked,crosslock-idb:nolocks,crosslock-polyfill:nolocks,browser-tabs-lock');
const failoverAdapters = list('failover-adapters', 'raw,crosslock-web,crosslock-idb:nolocks,browser-tabs-lock,broadcast-channel,broadcast-channel:nolocks');
const leaderAdapters = list('leader-adapters', 'crosslock-leader-web,crosslock-leader-idb:nolocks,broadcast-channel,broadcast-channel:nolocks,tab-election');
const seconds = Number(option('seconds') ?? (quick ? 1 : 1.5));
const repeats = Number(option('repeats') ?? (quick ? 1 : 3));
const failovers = Number(option('failovers') ?? (quick ? 1 : 3));
const checkSeconds = 1;
/** ms each tab loops before the timed loop (0: measure cold pages). */
const warmup = Number(option('warmup') ?? 1000);
/** A failover slower than this is reported as "> cap" (browser-tabs-lock can take a very long time). */
const failoverCap = Number(option('failover-cap') ?? (quick ? 4000 : 8000));
/** After a freeze, crosslock's leader waits `staleAfterMs` (10 s by default) on purpose: the cap is beyond it. */
const freezeCap = Number(option('freeze-cap') ?? 15_000);
const leaderTabs = 4;

/** Cross-origin isolation gives performance.now() 5 µs resolution instead of 100 µs. */
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
const server = await createServer({ configFile: 'vite.config.ts', server: { port: 0, host: '127.0.0.1', headers: isolation }, logLevel: 'error' });
await server.listen();
const base = server.resolvedUrls!.local[0]!;
const browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS });
const started = Date.now();

export function parse(spec: string): { adapter: string; noLocks: boolean } {
  return { adapter: spec.replace(/:nolocks$/, ''), noLocks: spec.endsWith(':nolocks') };
}

export async function newContext(spec: string): Promise<BrowserContext> {
  const context = await browser.newContext();
  if (parse(spec).noLocks) await withoutWebLocks(context); // a string init script: a function breaks under tsx
  return context;
}

async function openTabs(context: BrowserContext, count: number) {
  const pages = await Promise.all(Array.from({ length: count }, () => context.newPage()));
  await Promise.all(pages.map((p) => p.goto(`${base}bench/pages/bench.html`).then(() => p.waitForFunction(() => 'bench' in window))));
  return pages;
}

/** One timed loop of `tabs` fresh tabs; with `check`, the exclusion checker runs as the critical section. */
async function loopOnce(spec: string, tabs: number, duration: number, check: boolean): Promise<{ grants: Grant[]; counter: number; violations: number; sections: number }> {
  const context = await newContext(spec);
  try {
    const pages = await openTabs(context, tabs);
    const { adapter } = parse(spec);
    if (warmup > 0) {
      // Every tab loops on another lock first, contended as in the timed loop: the timed loop then measures
      // the adapter's code compiled (V8's optimising tiers), as in an app that has run for a while, not a
      // cold page's first thousand acquisitions in the interpreter.
      const warmStart = Date.now() + 300;
      await Promise.all(pages.map((p, tab) => p.evaluate(({ adapter, warmStart, warmup, tab }) => window.bench.run(adapter, 'warmup', warmStart, warmStart + warmup, false, `t${tab}`), { adapter, warmStart, warmup, tab })));
    }
    const startAt = Date.now() + 500;
    const endAt = startAt + duration * 1000;
    const perTab = await Promise.all(
      pages.map((p, tab) =>
        p
          .evaluate(({ adapter, startAt, endAt, check, tab }) => window.bench.run(adapter, 'bench', startAt, endAt, check, `t${tab}`), { adapter, startAt, endAt, check, tab })
          .then((grants) => grants.map((g) => ({ ...g, tab }))),
      ),
    );
    const { counter, violations } = check ? await pages[0]!.evaluate(() => window.bench.checker.read()) : { counter: 0, violations: 0 };
    // Lost updates: critical sections that ran minus increments that stuck (all of them, even past endAt).
    return { grants: perTab.flat().filter((g) => g.acquired <= endAt), counter, violations, sections: perTab.flat().length };
  } finally {
    await context.close();
  }
}

const results: Array<Record<string, unknown>> = [];
const pad = (v: unknown, n: number) => String(v).padStart(n);
try {
  console.log(`${'tabs'.padEnd(5)}${'adapter'.padEnd(30)}${pad('acq/s', 8)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}${pad('same-tab', 10)}${pad('overlaps', 10)}${pad('lost upd.', 10)}`);
  for (const tabs of tabCounts) {
    const runs = new Map<string, Measured[]>(adapters.map((a) => [a, []]));
    for (let r = 0; r < repeats; r++) {
      for (const spec of adapters) runs.get(spec)!.push(measure((await loopOnce(spec, tabs, seconds, false)).grants, seconds));
    }
    for (const spec of adapters) {
      const checked = await loopOnce(spec, tabs, checkSeconds, true);
      const m = runs.get(spec)!;
      const row = {
        tabs,
        adapter: spec,
        perSecond: Math.round(median(m.map((x) => x.perSecond))),
        handoffP50: +median(m.map((x) => x.handoffP50)).toFixed(3),
        handoffP99: +median(m.map((x) => x.handoffP99)).toFixed(3),
        sameTabShare: +median(m.map((x) => x.sameTabShare)).toFixed(3),
        overlaps: checked.violations,
        lostUpdates: checked.sections - checked.counter,
      };
      results.push(row);
      console.log(
        `${String(tabs).padEnd(5)}${spec.padEnd(30)}${pad(row.perSecond, 8)}${pad(row.handoffP50.toFixed(3), 9)}${pad(row.handoffP99.toFixed(3), 9)}${pad(`${(row.sameTabShare * 100).toFixed(1)}%`, 10)}${pad(row.overlaps, 10)}${pad(row.lostUpdates, 10)}`,
      );
    }
  }
  console.log(`\n${'failover'.padEnd(35)}${pad('after close', 14)}${pad('after crash', 14)}${pad('2 leaders', 11)}`);
  const show = (ms: number) => (Number.isFinite(ms) ? `${Math.round(ms)} ms` : `> ${failoverCap / 1000} s`);
  for (const spec of failoverAdapters) {
    const row: Record<string, unknown> = { adapter: spec, kind: 'failover', duplicates: 0 };
    for (const ending of ['close', 'crash'] as Ending[]) {
      const times: number[] = [];
      for (let i = 0; i < failovers; i++) {
        const outcome = await failoverOnce(() => newContext(spec), base, parse(spec).adapter, ending, failoverCap, !parse(spec).noLocks);
        if (outcome === 'duplicate') row.duplicates = (row.duplicates as number) + 1;
        else times.push(outcome);
        // More than half the runs over the cap: the median is over it too, so the rest would only wait.
        if (times.filter((t) => !Number.isFinite(t)).length > failovers / 2) break;
      }
      row[ending] = times.length ? median(times) : null;
    }
    results.push(row);
    console.log(`${spec.padEnd(35)}${pad(row.close === null ? '-' : show(row.close as number), 14)}${pad(row.crash === null ? '-' : show(row.crash as number), 14)}${pad(row.duplicates, 11)}`);
  }
  console.log(`\n${`leader failover, ${leaderTabs} tabs`.padEnd(35)}${pad('after close', 14)}${pad('after crash', 14)}${pad('after freeze', 14)}${pad('2 leaders', 11)}`);
  for (const spec of leaderAdapters) {
    const row: Record<string, unknown> = { adapter: spec, kind: 'leader', tabs: leaderTabs, duplicates: 0, runs: 0 };
    const { adapter, noLocks } = parse(spec);
    for (const ending of ['close', 'crash', 'freeze'] as LeaderEnding[]) {
      const cap = ending === 'freeze' ? freezeCap : failoverCap;
      const times: number[] = [];
      for (let i = 0; i < failovers; i++) {
        const outcome = await leaderFailoverOnce(() => newContext(spec), base, adapter, !noLocks, ending, cap, leaderTabs);
        row.runs = (row.runs as number) + 1;
        if (outcome.duplicate) {
          row.duplicates = (row.duplicates as number) + 1;
          row[`${ending}Duplicates`] = ((row[`${ending}Duplicates`] as number) ?? 0) + 1;
        }
        times.push(outcome.ms);
        if (times.filter((t) => !Number.isFinite(t)).length > failovers / 2) break;
      }
      row[ending] = median(times);
    }
    results.push(row);
    const cell = (ending: LeaderEnding) => {
      const ms = row[ending] as number;
      return Number.isFinite(ms) ? `${Math.round(ms)} ms` : `> ${(ending === 'freeze' ? freezeCap : failoverCap) / 1000} s`;
    };
    console.log(`${spec.padEnd(35)}${pad(cell('close'), 14)}${pad(cell('crash'), 14)}${pad(cell('freeze'), 14)}${pad(`${row.duplicates}/${row.runs}`, 11)}`);
  }
} finally {
  await browser.close();
  await server.close();
}
const meta = {
  browser: `Chromium ${browser.version()}`,
  machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`,
  node: process.version,
  mode: quick ? 'quick' : 'full',
  seconds,
  repeats,
  warmup,
  failovers,
  took: `${Math.round((Date.now() - started) / 1000)} s`,
  date: new Date().toISOString(),
};
console.log(`\n${meta.browser} · ${meta.machine} · ${meta.mode}: ${seconds} s × ${repeats} repeats (medians) after ${warmup} ms of warm-up, ${failovers} failovers each · took ${meta.took}`);
mkdirSync('bench/results', { recursive: true });
writeFileSync(`bench/results/bench-${Date.now()}.json`, JSON.stringify({ meta, results }, null, 2));
