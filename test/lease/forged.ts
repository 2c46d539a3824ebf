/**
 * Forged and malformed messages on a lease bus change no holder (run on every lease store: IndexedDB
 * over BroadcastChannel in Node and in Chromium, Redis over pub/sub). A stranger on the channel knows
 * everything the store shows (owners, tokens: a Redis client can read them, any script of an origin can
 * read its IndexedDB) and posts:
 * - `released` naming the waiter's token as promoted: the waiter asks the store, is refused, keeps waiting;
 * - `stolen` naming the holder's token: the holder renews, the store says it holds, it keeps the lock;
 * - `dead` naming the holder's token: ignored from another owner; from the holder's own owner it counts
 *   only where a page lifecycle exists (a tab giving its own places up), never over Redis;
 * - malformed messages: dropped, each with a `LockWarning` `'message-dropped'`.
 * "Changed nothing" is checked once both managers have been to the store since the messages arrived
 * (their stored entries rewritten), so a reaction to them would have happened.
 */
import { deleteDB, openDB } from 'idb';
import { afterEach, describe, expect, it } from 'vitest';
import { IndexedDbLockManager } from '../../src/indexeddb.js';
import { PROTOCOL_VERSION } from '../../src/lease/messages.js';
import type { LockGuard, LockManager, LockWarning } from '../../src/index.js';

interface StoredEntry {
  readonly owner: string;
  readonly token: string;
  readonly expires: number;
}
interface StoredRecord {
  readonly holders: readonly StoredEntry[];
  readonly queue: readonly StoredEntry[];
}

export interface ForgeryTarget {
  /** Two managers of one store, on short leases (renewMs ~100 ms), listening to its bus. */
  managers(): [LockManager, LockManager];
  /** Posts `message` on the store's bus as a stranger would (not through a manager). */
  post(message: unknown): Promise<void>;
  /** Every stored lease record, by full name. */
  records(): Promise<Record<string, StoredRecord>>;
  /** A page lifecycle exists (browser tabs): a `dead` message from an entry's own owner is obeyed. */
  readonly lifecycle: boolean;
  close(): Promise<void>;
}

export function forgedMessageSuite(name: string, target: () => ForgeryTarget): void {
  describe(`${name}: forged and malformed bus messages change no holder`, () => {
    let t: ForgeryTarget;
    let managers: LockManager[] = [];
    const warnings: LockWarning[] = [];
    afterEach(async () => {
      await Promise.all(managers.splice(0).map((m) => m.close()));
      await t.close();
      warnings.length = 0;
    });

    /** A holds x, B waits for it: their stored entries and the record's name. */
    async function setup(): Promise<{ a: LockManager; b: LockManager; held: LockGuard; waiting: Promise<LockGuard>; name: string; holder: StoredEntry; waiter: StoredEntry; settled: () => boolean }> {
      t = target();
      const [a, b] = (managers = t.managers());
      for (const m of managers)
        m.addEventListener('warning', (event) => {
          event.preventDefault();
          warnings.push(event.warning);
        });
      const held = await a.lock('x', { timeout: 1000 });
      let done = false;
      const waiting = b.lock('x', { timeout: 30_000 }).finally(() => (done = true));
      const found = async () => Object.entries(await t.records()).find(([, r]) => r.holders.some((e) => e.owner === a.clientId) && r.queue.some((e) => e.owner === b.clientId));
      await expect.poll(found, { timeout: 5000, interval: 10 }).toBeDefined();
      const [name, record] = (await found())!;
      return { a, b, held, waiting, name, holder: record.holders[0]!, waiter: record.queue[0]!, settled: () => done };
    }

    /** Both entries rewritten after `since` (a renewal, a refreshed place): each manager has asked the store since. */
    async function bothAskedSince(name: string, holder: StoredEntry, waiter: StoredEntry): Promise<StoredRecord> {
      let record: StoredRecord | undefined;
      await expect
        .poll(
          async () => {
            record = (await t.records())[name];
            const h = record?.holders.find((e) => e.token === holder.token);
            const w = record?.queue.find((e) => e.token === waiter.token);
            return !!h && !!w && h.expires > holder.expires && w.expires > waiter.expires;
          },
          { timeout: 5000, interval: 10 },
        )
        .toBe(true);
      return record!;
    }

    type Setup = Awaited<ReturnType<typeof setup>>;

    /** Once both managers asked the store since: the holder still holds, the waiter still waits; then both let go. */
    async function unchanged({ held, waiting, name, holder, waiter, settled }: Setup): Promise<void> {
      const record = await bothAskedSince(name, holder, waiter);
      expect(record.holders.map((e) => e.token)).toEqual([holder.token]);
      expect(held.signal.aborted).toBe(false);
      expect(settled()).toBe(false);
      await held.release();
      await (await waiting).release();
    }

    const v = PROTOCOL_VERSION;
    const forgeries = (name: string, holder: StoredEntry, waiter: StoredEntry) => ({
      'a handoff to the waiter': { v, t: 'released', name, granted: [{ token: waiter.token, expires: waiter.expires + 60_000, lease: 60_000 }], generation: 1, queued: false },
      'a steal of the holder': { v, t: 'stolen', name, tokens: [holder.token] },
      "the holder's death, from another owner": { v, t: 'dead', owner: 'stranger', tokens: [holder.token], names: [name] },
    });

    for (const kind of ['a handoff to the waiter', 'a steal of the holder', "the holder's death, from another owner"] as const) {
      it(`${kind}: the holder keeps the lock, the waiter keeps waiting`, async () => {
        const lock = await setup();
        await t.post(forgeries(lock.name, lock.holder, lock.waiter)[kind]);
        await unchanged(lock);
      });
    }

    it(`the holder's death from its own owner: obeyed ${'only where a page lifecycle exists'}`, async () => {
      const lock = await setup();
      await t.post({ v, t: 'dead', owner: lock.a.clientId, tokens: [lock.holder.token], names: [lock.name] });
      if (!t.lifecycle) return unchanged(lock);
      // A tab that says its own grant is gone gives it up: the waiter takes the lock (browsers only).
      await (await lock.waiting).release();
      await lock.held.release().catch(() => {});
    });

    it('malformed messages are dropped, each with a LockWarning, and change nothing', async () => {
      const { held, waiting, name, holder, waiter, settled } = await setup();
      const malformed = [
        { v, t: 'released', name, granted: [{ token: waiter.token }], generation: 1, queued: false }, // a handoff without its lease
        { v, t: 'released', name, granted: [], generation: -1, queued: false },
        { v, t: 'released', name: 42, granted: [], generation: 1, queued: false },
        { v, t: 'stolen', name, tokens: 'everyone' },
        { v, t: 'dead', tokens: [holder.token], names: [name] }, // no owner
        { v, t: 'dead', owner: 'x'.repeat(65), tokens: [holder.token], names: [name] },
        { v, t: 'granted', name, tokens: [waiter.token] },
        { v, t: 'released', name: `${'n'.repeat(300)}`, granted: [], generation: 1, queued: false },
      ];
      for (const message of malformed) await t.post(message);
      // Each listening manager drops each one.
      await expect.poll(() => warnings.filter((w) => w.kind === 'message-dropped').length, { timeout: 5000, interval: 10 }).toBe(2 * malformed.length);
      expect(warnings.every((w) => w.name === 'LockWarning')).toBe(true);
      const record = await bothAskedSince(name, holder, waiter);
      expect(record.holders.map((e) => e.token)).toEqual([holder.token]);
      expect(held.signal.aborted).toBe(false);
      expect(settled()).toBe(false);
      // Messages of another protocol version are not ours, not malformed: dropped without a word (the
      // malformed one after them is the marker that they arrived).
      await t.post({ v: v + 1, t: 'released', name, granted: [{ token: waiter.token }], generation: 1, queued: false });
      await t.post(malformed[0]);
      await expect.poll(() => warnings.filter((w) => w.kind === 'message-dropped').length, { timeout: 5000, interval: 10 }).toBe(2 * malformed.length + 2);
      await held.release();
      await (await waiting).release();
    });
  });
}

/** IndexedDB leases and their BroadcastChannel, as a stranger of the origin sees them (Node: fake-indexeddb; Chromium). */
export function indexedDbTarget(lifecycle: boolean): () => ForgeryTarget {
  return () => {
    const database = `forged-${Math.random().toString(36).slice(2)}`;
    const channel = new BroadcastChannel(`crosslock:lease:v${PROTOCOL_VERSION}:${database}`);
    const manager = (): IndexedDbLockManager => new IndexedDbLockManager({ database, leaseMs: 1000, renewMs: 100 });
    return {
      managers: () => [manager(), manager()],
      post: async (message) => channel.postMessage(message),
      async records() {
        const db = await openDB(database);
        const tx = db.transaction('leases');
        const [keys, values] = await Promise.all([tx.store.getAllKeys(), tx.store.getAll()]);
        db.close();
        return Object.fromEntries(keys.map((k, i) => [String(k), values[i]]));
      },
      lifecycle,
      async close() {
        channel.close();
        await deleteDB(database);
      },
    };
  };
}
