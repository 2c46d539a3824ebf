/**
 * Sweeping idle records in Redis decides on Redis's own time (read in the same step as the scan), with
 * a margin of each entry's own lease: a holder renewing every 60 s is never swept by a process whose
 * clock runs 30 s ahead, even where the scan shows the same record twice (HSCAN may; two looks then
 * come milliseconds apart, with no renewal between them).
 */
import { describe, expect, it, vi } from 'vitest';
import { PROTOCOL_VERSION } from '../../src/lease/messages.js';
import { SWEEP_IDLE_MS, sweepable, TwoLooks } from '../../src/lease/sweep.js';
import { commandsOf } from '../../src/stores/redis/client.js';
import { RedisClock } from '../../src/stores/redis/clock.js';
import { keysOf } from '../../src/stores/redis/scripts.js';
import { RedisLeaseStore } from '../../src/stores/redis/store.js';
import { connect, randomDatabase } from './harness.js';

const client = await connect();

async function redisNow(): Promise<number> {
  const [seconds, micros] = (await client.sendCommand(['TIME'])) as [string, string];
  return Number(seconds) * 1000 + Number(micros) / 1000;
}

describe('RedisLeaseStore.sweep', () => {
  it('judges records on Redis time with a margin of their own lease, not on the sweeper’s clock', async () => {
    const database = randomDatabase();
    const keys = keysOf(database, PROTOCOL_VERSION);
    const store = new RedisLeaseStore(`redis:${database}`, commandsOf({ client }), keys, new RedisClock());
    // A holder on a 120 s lease (renewMs 60 s) whose last renewal was 115 s ago: 5 s left, by Redis time.
    const now = await redisNow();
    const holder = { owner: 'o', token: 't', mode: 'exclusive', expires: now + 5000, lease: 120_000 };
    const record = { v: 2, generation: 7, lastOwner: 'o', used: now - 2 * SWEEP_IDLE_MS, holders: [holder], queue: [] };
    await client.hSet(keys.records, 'live', JSON.stringify(record));
    // The sweeping process's clock runs 30 s ahead (the manager's idle function falls back to it without a store time).
    vi.spyOn(Date, 'now').mockReturnValue(Date.now() + 30_000);
    const looks = new TwoLooks();
    const seen: Array<number | undefined> = [];
    const idle = (stored: unknown, name: string, at?: number) => (seen.push(at), looks.decide(name, stored, sweepable(stored, at ?? Date.now(), SWEEP_IDLE_MS)));
    const before = await redisNow();
    // Two looks in a row, nothing renewed in between (as a scan that returns the record twice).
    expect((await store.sweep(idle, undefined, 100)).removed).toBe(0);
    expect((await store.sweep(idle, undefined, 100)).removed).toBe(0);
    vi.restoreAllMocks();
    const after = await redisNow();
    expect(seen.every((at) => at !== undefined && at >= before && at <= after)).toBe(true);
    expect(await client.hGet(keys.records, 'live')).toBe(JSON.stringify(record));
  });

  it('deletes a record expired for longer than its own lease, and raises the floor over it', async () => {
    const database = randomDatabase();
    const keys = keysOf(database, PROTOCOL_VERSION);
    const store = new RedisLeaseStore(`redis:${database}`, commandsOf({ client }), keys, new RedisClock());
    const now = await redisNow();
    const gone = { owner: 'o', token: 't', mode: 'exclusive', expires: now - 130_000, lease: 120_000 };
    await client.hSet(keys.records, 'old', JSON.stringify({ v: 2, generation: 9, lastOwner: 'o', used: now - 2 * SWEEP_IDLE_MS, holders: [gone], queue: [] }));
    const looks = new TwoLooks();
    const idle = (stored: unknown, name: string, at?: number) => looks.decide(name, stored, sweepable(stored, at!, SWEEP_IDLE_MS));
    expect((await store.sweep(idle, undefined, 100)).removed).toBe(0); // first look
    expect((await store.sweep(idle, undefined, 100)).removed).toBe(1);
    expect(await client.hGet(keys.records, 'old')).toBeNull();
    expect(await client.get(keys.floor)).toBe('9');
  });
});
