/**
 * The window after Redis lost its records (src/stores/redis/scripts.ts `born`): a new database, or one
 * whose keys vanished under a live holder, grants nothing until `maxLeaseMs` after the loss was first
 * seen. Time is moved by rewriting the born stamp, never waited for. (A crash and empty restart with real
 * processes: restart.test.ts.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '../../src/lease/messages.js';
import { RedisLockManager } from '../../src/redis.js';
import { keysOf } from '../../src/stores/redis/scripts.js';
import { connect, newDatabase, randomDatabase } from './harness.js';

const client = await connect();
const managers: RedisLockManager[] = [];
afterEach(async () => void (await Promise.all(managers.splice(0).map((m) => m.close()))));

function manager(database: string, options: { leaseMs?: number; maxLeaseMs?: number } = {}): RedisLockManager {
  const m = new RedisLockManager({ client, database, leaseMs: 1000, renewMs: 200, ...options });
  managers.push(m);
  return m;
}

const born = (database: string) => keysOf(database, PROTOCOL_VERSION).born;
/** Moves the born stamp `ms` into the past: as if that much time had passed since the loss. */
async function age(database: string, ms: number): Promise<void> {
  const stamp = Number(await client.get(born(database)));
  await client.set(born(database), String(stamp - ms));
}

describe('after Redis lost its records', () => {
  it('a new database: the first update stamps it; nothing is granted until maxLeaseMs after that', async () => {
    const database = newDatabase();
    const m = manager(database);
    expect(await m.tryLock('x')).toBeNull();
    const [seconds, micros] = (await client.sendCommand(['TIME'])) as [string, string];
    const since = Number(seconds) * 1000 + Number(micros) / 1000 - Number(await client.get(born(database)));
    expect(since).toBeGreaterThanOrEqual(0);
    expect(since).toBeLessThan(1000);
    await age(database, 900);
    expect(await m.tryLock('x')).toBeNull();
    await age(database, 100);
    const guard = await m.tryLock('x');
    expect(guard).not.toBeNull();
    await guard!.release();
  });

  it('a waiter keeps its place through the window and is granted after it, in request order', async () => {
    const database = newDatabase();
    const [a, b] = [manager(database), manager(database)];
    const first = a.lock('x', { timeout: 10_000 });
    const stored = async () => JSON.stringify(await client.hGetAll(keysOf(database, PROTOCOL_VERSION).records));
    await expect.poll(stored).toContain(a.clientId);
    const second = b.lock('x', { timeout: 10_000 });
    await expect.poll(stored).toContain(b.clientId);
    await age(database, 1000);
    const guard = await first;
    await guard.release();
    await (await second).release();
  });

  it('the records deleted under a live holder: another manager is granted only once that holder is told, at a higher generation', async () => {
    const database = randomDatabase();
    const [a, b] = [manager(database), manager(database)];
    const held = await a.lock('x', { timeout: 1000 });
    const keys = await client.keys(`crosslock:{${database}}:*`);
    await client.del(keys);
    const next = await b.lock('x', { timeout: 10_000 });
    // Read at the moment b holds: the old holder's own checks have already ended its lease.
    expect(held.signal.aborted).toBe(true);
    expect(next.generation).toBeGreaterThan(held.generation!);
    await next.release();
  });

  it('the window is the longest lease of the database (maxLeaseMs), not only the asker’s', async () => {
    const database = newDatabase();
    const m = manager(database, { leaseMs: 1000, maxLeaseMs: 3000 });
    expect(await m.tryLock('x')).toBeNull();
    await age(database, 2900);
    expect(await m.tryLock('x')).toBeNull();
    await age(database, 100);
    const guard = await m.tryLock('x');
    expect(guard).not.toBeNull();
    await guard!.release();
  });

  it('maxLeaseMs is checked: a number of ms, at least leaseMs, at most an hour', () => {
    const database = newDatabase();
    expect(() => manager(database, { leaseMs: 2000, maxLeaseMs: 1000 })).toThrow(expect.objectContaining({ name: 'OptionRangeError', option: 'maxLeaseMs' }));
    expect(() => manager(database, { maxLeaseMs: 3_600_001 })).toThrow(expect.objectContaining({ name: 'OptionRangeError', option: 'maxLeaseMs' }));
    expect(() => manager(database, { maxLeaseMs: '5s' as unknown as number })).toThrow(expect.objectContaining({ name: 'InvalidOptionError', option: 'maxLeaseMs' }));
  });
});
