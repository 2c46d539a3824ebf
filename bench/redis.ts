/**
 * `npm run bench:redis`: Redis locks across Node processes on one loopback Redis, crosslock beside
 * redis-semaphore's Mutex and Redlock (single instance), in the same run (bench/redis/adapters.ts).
 *
 * For 2, 4 and 8 processes looping on one lock for `--seconds`: acquisitions per second, the handoff
 * (from one holder starting its release to the next one holding: the gaps between consecutive critical
 * sections, on CLOCK_MONOTONIC, which every process of the machine shares) p50 and p99, how many of the
 * acquisitions went to another process than the last one (a lock whose releaser can take it straight
 * back, as polling locks allow, counts those re-takes as throughput) and the busiest process's share, and violations
 * (the checker in Redis saw two holders, or the total count differs from the acquisitions counted).
 * Then failover: a holder killed with SIGKILL while another process waits; the time from the kill to the
 * waiter holding, median of `--failovers` runs. Every lock has the same lease (`--lease`, ms).
 *
 * Targets (issue 15), at 4 processes: crosslock >= 2x redis-semaphore's throughput, handoff p50 <= 1 ms,
 * failover <= lease + 200 ms, 0 violations. The server is a throwaway redis-server (tools/redis.ts), or
 * CROSSLOCK_REDIS_URL. Options: --seconds 3 --processes 2,4,8 --lease 1000 --failovers 5 --adapters ...
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createClient } from 'redis';
import { redisForTests } from '../tools/redis.js';
import { ADAPTERS, type AdapterName } from './redis/adapters.js';
import { numberOption, option } from './args.js';

const seconds = numberOption('seconds', 3);
const counts = (option('processes') ?? '2,4,8').split(',').map(Number);
const leaseMs = numberOption('lease', 1000);
const failovers = numberOption('failovers', 5);
const adapters = (option('adapters') ?? ADAPTERS.join(',')).split(',') as AdapterName[];
const worker = join(import.meta.dirname, 'redis/worker.ts');
const now = (): number => Number(process.hrtime.bigint());

const redis = await redisForTests();
const client = createClient({ url: redis.url });
await client.connect();
let run = 0;

function start(role: string, adapter: AdapterName, database: string): ChildProcess {
  return fork(worker, [role, adapter], { execArgv: ['--import', 'tsx'], env: { ...process.env, REDIS_URL: redis.url, DATABASE: database, LEASE_MS: String(leaseMs) } });
}
const message = <T>(child: ChildProcess, t: string): Promise<T> =>
  new Promise((resolve, reject) => {
    const on = (m: { t: string }): void => void (m.t === t && (child.off('message', on), resolve(m as T)));
    child.on('message', on);
    child.once('exit', (code, signal) => reject(new Error(`worker exited (${code ?? signal}) before "${t}"`)));
  });
const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

async function contended(adapter: AdapterName, n: number) {
  const database = `bench-${++run}`;
  const procs = Array.from({ length: n }, () => start('loop', adapter, database));
  await Promise.all(procs.map((p) => message(p, 'ready')));
  const until = now() + seconds * 1e9;
  const done = procs.map((p) => message<{ intervals: Array<[number, number]>; violations: number }>(p, 'done'));
  for (const p of procs) p.send({ until });
  const results = await Promise.all(done);
  const intervals = results.flatMap((r, who) => r.intervals.map(([a, b]): [number, number, number] => [a, b, who])).sort((a, b) => a[0] - b[0]);
  let violations = results.reduce((s, r) => s + r.violations, 0);
  for (let i = 1; i < intervals.length; i++) if (intervals[i]![0] < intervals[i - 1]![1]) violations++; // overlapping sections
  if (Number(await client.get(`${database}:total`)) !== intervals.length) violations++;
  const gaps = intervals.slice(1).map(([acquired], i) => (acquired - intervals[i]![1]) / 1e6).sort((a, b) => a - b);
  // Fairness: how often the lock went to ANOTHER process (a lock that lets its releaser take it straight
  // back counts its re-takes as throughput), and the busiest process's share of all acquisitions.
  const switches = intervals.slice(1).filter(([, , who], i) => who !== intervals[i]![2]).length;
  const busiest = Math.max(...results.map((r) => r.intervals.length)) / Math.max(1, intervals.length);
  return { perSecond: intervals.length / seconds, switchesPerSecond: switches / seconds, busiest, p50: quantile(gaps, 0.5), p99: quantile(gaps, 0.99), violations };
}

async function failover(adapter: AdapterName): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < failovers; i++) {
    const database = `bench-${++run}`;
    const holder = start('hold', adapter, database);
    await message(holder, 'held');
    const waiter = start('wait', adapter, database);
    await message(waiter, 'waiting');
    // Let the waiter get to its first refused attempt (a bench, not a test: nothing depends on it).
    await new Promise((resolve) => setTimeout(resolve, 300));
    const acquired = message<{ at: number }>(waiter, 'acquired');
    const killedAt = now();
    holder.kill('SIGKILL');
    times.push(((await acquired).at - killedAt) / 1e6);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

console.log(`Redis locks across Node processes, loopback redis-server (${redis.started ? 'started for this run' : redis.url}), lease ${leaseMs} ms, ${seconds} s per row, Node ${process.version}`);
console.log('| adapter | processes | acq/s | of which to another process /s | busiest process share | handoff p50 ms | handoff p99 ms | violations |');
console.log('|---|---|---|---|---|---|---|---|');
const rows: Record<string, Record<number, { perSecond: number; switchesPerSecond: number; p50: number }>> = {};
for (const adapter of adapters) {
  for (const n of counts) {
    const r = await contended(adapter, n);
    (rows[adapter] ??= {})[n] = r;
    console.log(`| ${adapter} | ${n} | ${r.perSecond.toFixed(0)} | ${r.switchesPerSecond.toFixed(0)} | ${(100 * r.busiest).toFixed(0)}% | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.violations} |`);
  }
}
console.log(`\n| adapter | failover after SIGKILL, median of ${failovers} (ms) | target lease + 200 = ${leaseMs + 200} ms |`);
console.log('|---|---|---|');
for (const adapter of adapters) {
  const ms = await failover(adapter);
  console.log(`| ${adapter} | ${ms.toFixed(0)} | ${ms <= leaseMs + 200 ? 'met' : 'missed'} |`);
}
const ours = rows.crosslock?.[4];
const semaphore = rows['redis-semaphore']?.[4];
if (ours && semaphore) {
  console.log(`\nat 4 processes: crosslock ${(ours.perSecond / semaphore.perSecond).toFixed(2)}x redis-semaphore's acquisitions/s (target >= 2x), ${(ours.switchesPerSecond / Math.max(1, semaphore.switchesPerSecond)).toFixed(1)}x its handoffs to another process/s; handoff p50 ${ours.p50.toFixed(2)} ms (target <= 1 ms)`);
}
await client.close();
await redis.stop();
process.exit(0);
