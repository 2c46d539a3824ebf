/**
 * Redis crashing and coming back EMPTY while a process holds a lock, with real processes
 * (fixtures/interval-holder.ts) on a redis-server of this file's own: SIGKILLed and started again on the
 * same port, 20 times, each time while some process holds 'x'. Every process reports the intervals in
 * which its guard read "not aborted", on CLOCK_MONOTONIC (one clock for the machine): no two may overlap.
 * Without the born stamp (src/stores/redis/scripts.ts) another process was granted 'x' ~300 ms after the
 * restart while the old holder's signal still read "not aborted" until its next renewal.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '../../tools/redis.js';
import { agedDatabase } from './harness.js';

const LEASE_MS = 1000;
const PROCESSES = 3;
const RESTARTS = 20;
const script = join(import.meta.dirname, 'fixtures/interval-holder.ts');

interface Interval {
  readonly child: number;
  readonly from: bigint;
  readonly to: bigint;
  readonly generation: number;
}

let server: RedisServer | undefined;
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await server?.stop();
});

/** Resolves when `predicate` holds for a message of one of `children`. */
function message(predicate: (m: Record<string, string>, child: number) => boolean): Promise<void> {
  return new Promise((resolve) => {
    const listeners = children.map((child, i) => {
      const listener = (m: Record<string, string>): void => {
        if (!predicate(m, i)) return;
        children.forEach((c, j) => c.off('message', listeners[j]!));
        resolve();
      };
      child.on('message', listener);
      return listener;
    });
  });
}

describe('Redis restarted empty while a process holds', () => {
  it(`${RESTARTS} crashes and empty restarts: no two guards ever read "not aborted" at one moment, and generations only go up`, { timeout: 180_000 }, async () => {
    server = await startRedis();
    const database = await agedDatabase(server.url);
    const intervals: Interval[] = [];
    for (let i = 0; i < PROCESSES; i++) {
      const child = fork(script, [], {
        execArgv: ['--import', 'tsx'],
        env: { ...process.env, REDIS_URL: server.url, DATABASE: database, LEASE_MS: String(LEASE_MS) },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      child.on('message', (m: Record<string, string>) => {
        if (m.t === 'interval') intervals.push({ child: i, from: BigInt(m.from!), to: BigInt(m.to!), generation: Number(m.generation) });
      });
      children.push(child);
    }
    const restarts: bigint[] = [];
    let since = 0n;
    for (let round = 0; round < RESTARTS; round++) {
      // Some process holds 'x', granted after the last restart: crash Redis under it.
      await message((m) => m.t === 'held' && BigInt(m.at!) > since);
      const killed = process.hrtime.bigint();
      await server.restart('SIGKILL');
      since = process.hrtime.bigint();
      restarts.push(since - killed);
    }
    await message((m) => m.t === 'held' && BigInt(m.at!) > since);
    const stopped = children.map((child) => new Promise<void>((resolve) => child.once('exit', () => resolve())));
    for (const child of children) child.send({ cmd: 'stop' });
    await Promise.all(stopped);

    // Redis was back within 200 ms each time.
    expect(restarts.every((ns) => ns < 200_000_000n), `restart times (ms): ${restarts.map((ns) => Number(ns / 1_000_000n)).join(', ')}`).toBe(true);
    const overlaps = intervals.flatMap((a) => intervals.filter((b) => b.child > a.child && a.from <= b.to && b.from <= a.to).map((b) => [a, b]));
    expect(overlaps.map(([a, b]) => `${a!.child}:${a!.from}-${a!.to} with ${b!.child}:${b!.from}-${b!.to} (${Number((min(a!.to, b!.to) - max(a!.from, b!.from)) / 1_000_000n)} ms)`)).toEqual([]);
    // Generations: never below an earlier grant's, and above every earlier grant of another process.
    const ordered = [...intervals].sort((a, b) => (a.from < b.from ? -1 : 1));
    const backwards = ordered.filter((b, j) => ordered.slice(0, j).some((a) => b.generation < a.generation || (a.child !== b.child && b.generation === a.generation)));
    expect(backwards).toEqual([]);
    expect(intervals.length).toBeGreaterThan(RESTARTS);
  });
});

const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);
const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
