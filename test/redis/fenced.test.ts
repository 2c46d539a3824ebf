/**
 * RedisFencedStore: the store itself refuses a write whose guard still looks held to its holder but no
 * longer holds the lock in Redis (another holder took it; its lease ran out by Redis's clock), atomically
 * with the write; bad input is refused with typed errors and writes nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryLockManager } from '../../src/memory.js';
import { RedisFencedStore, RedisLockManager } from '../../src/redis.js';
import { connect, randomDatabase } from './harness.js';

const client = await connect();
const managers: RedisLockManager[] = [];
afterEach(async () => void (await Promise.all(managers.splice(0).map((m) => m.close()))));

function setup(options: { leaseMs?: number } = {}) {
  const database = randomDatabase();
  const locks = new RedisLockManager({ client, database, ...options });
  managers.push(locks);
  const store = new RedisFencedStore<unknown>({ client, database, namespace: 'wallet' });
  const records = `crosslock:{${database}}:records`;
  const record = async (name: string) => JSON.parse((await client.hGet(records, name))!) as { generation: number; holders: Array<{ token: string; expires: number }> };
  return { database, locks, store, records, record };
}

describe('RedisFencedStore', () => {
  it('writes under a live guard; reads need no guard; entries come back by key', async () => {
    const { locks, store } = setup();
    const guard = await locks.lock('w', { timeout: 1000 });
    await store.putAll(guard, [['b', { balance: 2 }], ['a', [1, 'x']]]);
    expect(await store.get('a')).toEqual([1, 'x']);
    expect(await store.entries()).toEqual([['a', [1, 'x']], ['b', { balance: 2 }]]);
    await store.delete(guard, 'a');
    expect(await store.get('a')).toBeUndefined();
  });

  it('refuses, in Redis, a write whose guard still looks held after another holder took the lock', async () => {
    const { locks, store, records, record } = setup({ leaseMs: 60_000 });
    const guard = await locks.lock('w', { timeout: 1000 });
    await store.put(guard, 'k', 'mine');
    // What a thief's grant leaves in the record: a higher generation and another holder.
    const taken = await record('+w');
    await client.hSet(records, '+w', JSON.stringify({ ...taken, generation: taken.generation + 1, lastOwner: 'thief', holders: [{ ...taken.holders[0], owner: 'thief', token: 'theirs' }] }));
    expect(guard.signal.aborted).toBe(false);
    await expect(store.put(guard, 'k', 'late')).rejects.toMatchObject({ name: 'StaleLockError', current: taken.generation + 1 });
    expect(await store.get('k')).toBe('mine');
  });

  it("refuses a write once the grant's lease has run out by Redis's clock, even with nobody else holding", async () => {
    const { locks, store, records, record } = setup({ leaseMs: 60_000 });
    const guard = await locks.lock('w', { timeout: 1000 });
    const held = await record('+w');
    // The holder still believes it has a minute; Redis's record says the lease ended a second ago.
    const [seconds] = (await client.time()) as unknown as [number];
    await client.hSet(records, '+w', JSON.stringify({ ...held, holders: [{ ...held.holders[0], expires: Number(seconds) * 1000 - 1000 }] }));
    expect(guard.signal.aborted).toBe(false);
    await expect(store.put(guard, 'k', 'late')).rejects.toMatchObject({ name: 'StaleLockError', message: expect.stringContaining("lease has expired") });
    expect(await store.get('k')).toBeUndefined();
  });

  it("refuses in the write script itself when the lock changed hands between the check's read and the write", async () => {
    const { locks, records, record, database } = setup({ leaseMs: 60_000 });
    const guard = await locks.lock('w', { timeout: 1000 });
    const hash = `crosslock:{${database}}:fenced:wallet`;
    // A client that lets a thief take the lock just before the fenced write script runs, once.
    let thief = true;
    const racing = {
      get isReady() {
        return client.isReady;
      },
      get isOpen() {
        return client.isOpen;
      },
      duplicate: () => client.duplicate(),
      async sendCommand(args: readonly string[], options?: object) {
        if (thief && args[0] === 'EVALSHA' && args.includes(hash)) {
          thief = false;
          const taken = await record('+w');
          await client.hSet(records, '+w', JSON.stringify({ ...taken, generation: taken.generation + 1, lastOwner: 'thief', holders: [{ ...taken.holders[0], owner: 'thief', token: 'theirs' }] }));
        }
        return client.sendCommand(args as string[], options as never);
      },
    };
    const store = new RedisFencedStore<string>({ client: racing as never, database, namespace: 'wallet' });
    await expect(store.put(guard, 'k', 'late')).rejects.toMatchObject({ name: 'StaleLockError' });
    expect(thief).toBe(false);
    expect(await store.get('k')).toBeUndefined();
  });

  it('refuses bad input with typed errors and writes nothing', async () => {
    const { locks, store, database } = setup();
    const guard = await locks.lock('w', { timeout: 1000 });
    await expect(store.putAll(guard, [['a', 1], ['b', 10n]])).rejects.toMatchObject({ name: 'InvalidOptionError', option: 'value' });
    await expect(store.put(guard, 'a', undefined)).rejects.toMatchObject({ name: 'InvalidOptionError', option: 'value' });
    await expect(store.put(guard, 1 as never, 'v')).rejects.toMatchObject({ name: 'InvalidOptionError', option: 'key' });
    await expect(store.putAll(guard, 'no' as never)).rejects.toMatchObject({ name: 'InvalidOptionError', option: 'entries' });
    // delete() refuses a bad key the way put() does: a rejected promise, never a synchronous throw.
    let deleting: Promise<void> | undefined;
    expect(() => (deleting = store.delete(guard, 42 as never))).not.toThrow();
    await expect(deleting).rejects.toMatchObject({ name: 'InvalidOptionError', option: 'key' });
    expect(await store.entries()).toEqual([]);
    const shared = await locks.lock('s', { timeout: 1000, mode: 'shared' });
    await expect(store.put(shared, 'a', 1)).rejects.toMatchObject({ name: 'InvalidOptionError', option: 'guard' });
    const unchecked = await locks.lock('u', { timeout: 1000, unchecked: true });
    await expect(store.put(unchecked, 'a', 1)).rejects.toMatchObject({ name: 'InvalidOptionError', option: 'guard' });
    const memory = new MemoryLockManager();
    await expect(store.put(await memory.lock('m', { timeout: 0 }), 'a', 1)).rejects.toMatchObject({ name: 'InvalidOptionError', option: 'guard' });
    const other = new RedisFencedStore({ client, database: `${database}-other`, namespace: 'wallet' });
    await expect(other.put(guard, 'a', 1)).rejects.toMatchObject({ name: 'InvalidOptionError', option: 'guard' });
    await guard.release();
    await expect(store.put(guard, 'a', 1)).rejects.toMatchObject({ name: 'StaleLockError' });
    expect(await store.entries()).toEqual([]);
    expect(() => new RedisFencedStore({ client, namespace: '' })).toThrow(expect.objectContaining({ name: 'InvalidOptionError', option: 'namespace' }));
    expect(() => new RedisFencedStore({ client: {} as never, namespace: 'n' })).toThrow(expect.objectContaining({ name: 'InvalidOptionError', option: 'client' }));
    await memory.close();
  });
});
