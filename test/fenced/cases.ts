/**
 * FencedStore behaviour, run in Node (fake-indexeddb) and in Chromium. Staleness is made by another
 * holder taking the lock, by a released guard, and by moving the stored generation as a tab would.
 */
import { deleteDB, openDB } from 'idb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LockManager } from '../../src/index.js';
import { FencedStore } from '../../src/fenced.js';
import { IndexedDbLockManager } from '../../src/indexeddb.js';
import { MemoryLockManager, MemoryLockSpace } from '../../src/memory.js';

export function fencedStoreCases(where: string, extraManager?: (database: string) => LockManager): void {
  describe(`FencedStore (${where})`, () => {
    let database: string;
    let made: Array<{ close(): unknown }>;
    const leases = (): IndexedDbLockManager => track(new IndexedDbLockManager({ database, prefix: 'w' }));
    const store = <T>(namespace = 'wallet'): FencedStore<T> => track(new FencedStore<T>({ database, namespace }));
    function track<M extends { close(): unknown }>(m: M): M {
      made.push(m);
      return m;
    }
    beforeEach(() => {
      database = `fenced-${Math.random().toString(36).slice(2)}`;
      made = [];
    });
    afterEach(async () => {
      for (const m of made) await m.close();
      await deleteDB(database);
    });

    const managers: Array<[string, () => LockManager]> = [['IndexedDbLockManager', leases]];
    if (extraManager) managers.push(['WebLockManager', () => track(extraManager(database))]);

    for (const [label, make] of managers) {
      it(`writes, reads and deletes under a live ${label} guard`, async () => {
        const locks = make();
        const balance = store<{ sats: number }>();
        const guard = await locks.lock('balance', { timeout: 0 });
        await balance.put(guard, 'main', { sats: 21 });
        expect(await balance.get('main')).toEqual({ sats: 21 });
        await balance.put(guard, 'spare', { sats: 1 });
        expect(await balance.entries()).toEqual([['main', { sats: 21 }], ['spare', { sats: 1 }]]);
        await balance.delete(guard, 'spare');
        expect(await balance.get('spare')).toBeUndefined();
      });

      it(`refuses a ${label} holder once another holder has taken the lock, and keeps the newer value`, async () => {
        const a = make();
        const b = make();
        const balance = store<number>();
        const old = await a.lock('balance', { timeout: 0 });
        await balance.put(old, 'main', 1);
        // A zombie: it never released, yet the lock moved on (lease lapsed, or stolen).
        await raiseGeneration(database, `w+balance`);
        await expect(balance.put(old, 'main', 666)).rejects.toMatchObject({ name: 'StaleLockError', generation: old.generation });
        await expect(balance.delete(old, 'main')).rejects.toMatchObject({ name: 'StaleLockError' });
        expect(await balance.get('main')).toBe(1);
        await old.release();
        const fresh = await b.lock('balance', { timeout: 0 });
        expect(fresh.poisoned).toBe(true);
        await balance.put(fresh, 'main', 2);
        expect(await balance.get('main')).toBe(2);
      });

      it(`refuses a shared ${label} guard: fenced writes need an exclusive one (issue 11, item 11)`, async () => {
        const locks = make();
        const balance = store<number>();
        const reader = await locks.lock('balance', { timeout: 0, mode: 'shared' });
        await expect(balance.put(reader, 'main', 5)).rejects.toMatchObject({ name: 'InvalidOptionError', option: 'guard' });
        await expect(balance.delete(reader, 'main')).rejects.toMatchObject({ name: 'InvalidOptionError', option: 'guard' });
        expect(await balance.get('main')).toBeUndefined();
        await reader.release();
      });

      it(`refuses a released ${label} guard`, async () => {
        const locks = make();
        const balance = store<number>();
        const guard = await locks.lock('balance', { timeout: 0 });
        await guard.release();
        await expect(balance.put(guard, 'main', 5)).rejects.toMatchObject({ name: 'StaleLockError', message: expect.stringMatching(/released/) });
        expect(await balance.get('main')).toBeUndefined();
      });
    }

    it("refuses a lease holder whose lease is gone even though nobody took the lock since", async () => {
      const balance = store<number>();
      const guard = await leases().lock('balance', { timeout: 0 });
      const db = await openDB(database);
      const record = (await db.get('leases', 'w+balance')) as object;
      await db.put('leases', { ...record, holders: [] }, 'w+balance'); // its entry lapsed; generation unchanged
      db.close();
      await expect(balance.put(guard, 'main', 1)).rejects.toMatchObject({ name: 'StaleLockError', message: expect.stringMatching(/lease has expired/) });
      expect(await balance.get('main')).toBeUndefined();
    });

    it('refuses guards it cannot check, with a typed error and nothing written', async () => {
      const balance = store<number>();
      const unchecked = await leases().lock('balance', { timeout: 0, unchecked: true });
      await expect(balance.put(unchecked, 'main', 1)).rejects.toMatchObject({ name: 'InvalidOptionError', option: 'guard' });
      await unchecked.release();
      const memory = await new MemoryLockManager({ space: new MemoryLockSpace() }).lock('balance', { timeout: 0 });
      await expect(balance.put(memory, 'main', 1)).rejects.toMatchObject({ name: 'InvalidOptionError', option: 'guard' });
      const elsewhere = track(new IndexedDbLockManager({ database: `${database}-other`, prefix: 'w' }));
      const other = await elsewhere.lock('balance', { timeout: 0 });
      await expect(balance.put(other, 'main', 1)).rejects.toMatchObject({ name: 'InvalidOptionError', message: expect.stringMatching(/database/) });
      await other.release();
      await elsewhere.close();
      await deleteDB(`${database}-other`);
      expect(await balance.get('main')).toBeUndefined();
    });

    it('refuses a value IndexedDB cannot store, before writing anything', async () => {
      const balance = store<unknown>();
      const guard = await leases().lock('balance', { timeout: 0 });
      await balance.put(guard, 'main', 7);
      await expect(balance.put(guard, 'main', { pay: () => 0 })).rejects.toMatchObject({ name: 'InvalidOptionError', option: 'value' });
      await expect(balance.put(guard, 42 as never, 1)).rejects.toMatchObject({ name: 'InvalidOptionError', option: 'key' });
      expect(await balance.get('main')).toBe(7);
    });

    it('putAll writes every entry in one transaction, or none: a stale guard, a value that cannot be stored or a bad key', async () => {
      const locks = leases();
      const wallet = store<unknown>();
      const guard = await locks.lock('balance', { timeout: 0 });
      await wallet.putAll(guard, [
        ['balance', 1],
        ['round.1', { tab: 'a' }],
      ]);
      expect(await wallet.entries()).toEqual([['balance', 1], ['round.1', { tab: 'a' }]]);
      await expect(wallet.putAll(guard, [['balance', 2], ['round.2', { pay: () => 0 }]])).rejects.toMatchObject({ name: 'InvalidOptionError', option: 'value' });
      await expect(wallet.putAll(guard, [['balance', 2], [42 as never, 1]])).rejects.toMatchObject({ name: 'InvalidOptionError', option: 'key' });
      await expect(wallet.putAll(guard, 'nope' as never)).rejects.toMatchObject({ name: 'InvalidOptionError' });
      await raiseGeneration(database, 'w+balance');
      await expect(wallet.putAll(guard, [['balance', 2], ['round.2', {}]])).rejects.toMatchObject({ name: 'StaleLockError' });
      expect(await wallet.entries()).toEqual([['balance', 1], ['round.1', { tab: 'a' }]]);
    });

    it('keeps namespaces apart', async () => {
      const guard = await leases().lock('balance', { timeout: 0 });
      await store('a').put(guard, 'k', 'in a');
      await store('b').put(guard, 'k', 'in b');
      expect(await store('a').entries()).toEqual([['k', 'in a']]);
      expect(await store('b').get('k')).toBe('in b');
    });

    it('checks its options; openTimeoutMs Infinity means no limit, a finite value must fit a timer (issue 11, item 13)', async () => {
      expect(() => new FencedStore({ namespace: 'x', openTimeoutMs: 2 ** 31 } as never)).toThrow(expect.objectContaining({ name: 'OptionRangeError', option: 'openTimeoutMs' }));
      expect(() => new FencedStore({ namespace: 'x', openTimeoutMs: 0 } as never)).toThrow(expect.objectContaining({ name: 'OptionRangeError' }));
      expect(() => new FencedStore({ namespace: 'x', openTimeoutMs: '5' } as never)).toThrow(expect.objectContaining({ name: 'InvalidOptionError' }));
      const unlimited = track(new FencedStore<number>({ database, namespace: 'x', openTimeoutMs: Infinity }));
      expect(await unlimited.get('k')).toBeUndefined(); // opened: an Infinity timer would have fired at once
      expect(() => new FencedStore({} as never)).toThrow(expect.objectContaining({ name: 'InvalidOptionError', option: 'namespace' }));
      // Namespaces follow the name rule: none is crosslock's own (a backup's is "backup:<walletId>").
      for (const namespace of ['backup:w', 'a b', '.x', 'x'.repeat(201)]) expect(() => new FencedStore({ namespace })).toThrow(expect.objectContaining({ name: 'InvalidOptionError', option: 'namespace' }));
      expect(() => new FencedStore({ namespace: 'x', datbase: 'y' } as never)).toThrow(expect.objectContaining({ name: 'InvalidOptionError' }));
    });
  });
}

/** Moves the lock's stored generation on, as another holder taking the lock does. */
async function raiseGeneration(database: string, name: string): Promise<void> {
  const db = await openDB(database);
  const record = (await db.get('leases', name)) as { generation: number; lastOwner: string | null };
  await db.put('leases', { ...record, generation: record.generation + 1, lastOwner: 'another-tab' }, name);
  db.close();
}
