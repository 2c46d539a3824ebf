/**
 * The lease protocol under controlled time (fake Date and timers; fake-indexeddb runs on setImmediate,
 * which stays real). After each step, `settled()` awaits a read-only query: IndexedDB runs it after
 * every readwrite transaction created before it, so the step's renewals and attempts have landed.
 */
import 'fake-indexeddb/auto';
import { deleteDB, openDB } from 'idb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LockGuard, LockLostError } from '../../src/index.js';
import { FencedStore } from '../../src/fenced.js';
import { IndexedDbLockManager } from '../../src/indexeddb.js';
import { Connection } from '../../src/stores/indexeddb/connection.js';

let database: string;
let managers: IndexedDbLockManager[];

beforeEach(() => {
  database = `lease-${Math.random().toString(36).slice(2)}`;
  managers = [];
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
});

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(managers.map((m) => m.close()));
  await deleteDB(database);
});

function manager(): IndexedDbLockManager {
  const m = new IndexedDbLockManager({ database, prefix: 'w' });
  managers.push(m);
  return m;
}

async function step(ms: number, m: IndexedDbLockManager): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
  await m.query();
}

/** Writes a record as another tab (or a bug) would, creating crosslock's schema if the database is new. */
async function raw(update: (record: unknown) => unknown, name = 'w+x'): Promise<void> {
  const db = await new Connection(database, Infinity).open();
  try {
    await db.put('leases', update(await db.get('leases', name)), name);
  } finally {
    db.close();
  }
}

const lostKind = (guard: LockGuard) => (guard.signal.reason as LockLostError | undefined)?.kind;

describe('IndexedDB leases under controlled time', () => {
  it('renews a held lease, so no other tab takes it however long the holder lives', async () => {
    const a = manager();
    const b = manager();
    const guard = await a.lock('x', { timeout: 0 });
    for (let i = 0; i < 20; i++) await step(500, a); // 10 s: more than six leases
    expect(guard.signal.aborted).toBe(false);
    expect(await b.tryLock('x')).toBeNull();
    await guard.release();
    expect(await b.tryLock('x')).not.toBeNull();
  });

  it('lets another tab take over from a frozen holder after its lease; the holder learns on its first tick', async () => {
    const a = manager();
    const b = manager();
    const guard = await a.lock('x', { timeout: 0 });
    const told = new Promise<unknown>((resolve) => guard.signal.addEventListener('abort', () => resolve(guard.signal.reason)));
    vi.setSystemTime(Date.now() + 1600); // a is frozen: the clock moves, its timers do not run
    const taken = await b.lock('x', { timeout: 0 });
    await vi.advanceTimersByTimeAsync(500); // a thaws: its first tick checks its own deadline before renewing
    expect(await told).toMatchObject({ name: 'LockLostError', kind: 'expired' });
    expect((await b.query()).held).toEqual([expect.objectContaining({ name: 'x', clientId: b.clientId })]);
    await guard.release(); // harmless: it no longer holds anything
    expect(await a.tryLock('x')).toBeNull();
    await taken.release();
  });

  it('reports a lease past its deadline the moment the holder reads its signal, before any tick', async () => {
    const a = manager();
    const guard = await a.lock('x', { timeout: 0 });
    expect(guard.signal.aborted).toBe(false);
    vi.setSystemTime(Date.now() + 1500); // frozen exactly one lease: no timer has run
    expect(guard.signal.aborted).toBe(true);
    expect(lostKind(guard)).toBe('expired');
  });

  it('is poisoned after losing its lease to another tab, not after losing it to nobody', async () => {
    const a = manager();
    const b = manager();
    const first = await a.lock('x', { timeout: 0 });
    vi.setSystemTime(Date.now() + 1600); // a frozen past its lease; nobody takes the lock
    expect(first.signal.aborted).toBe(true);
    const unchanged = await a.lock('x', { timeout: 0 });
    expect(unchanged).toMatchObject({ poisoned: false, generation: first.generation });
    vi.setSystemTime(Date.now() + 1600); // frozen again; this time b takes over
    const taken = await b.lock('x', { timeout: 0 });
    await taken.release();
    const back = await a.lock('x', { timeout: 0 });
    expect(back.poisoned).toBe(true);
    expect(back.generation).toBeGreaterThan(taken.generation!);
  });

  it('aborts the signal when a renewal finds the lease no longer this holder\'s', async () => {
    const a = manager();
    const guard = await a.lock('x', { timeout: 0 });
    await raw((r) => ({ ...(r as object), holders: [{ owner: 'thief', token: 't', mode: 'exclusive', expires: Date.now() + 1000 }] }));
    await step(500, a);
    expect(lostKind(guard)).toBe('expired');
  });

  it('aborts the signal when a renewal fails, never just logging it', async () => {
    const a = manager();
    const guard = await a.lock('x', { timeout: 0 });
    const get = vi.spyOn(IDBObjectStore.prototype, 'get').mockImplementation(() => {
      throw new DOMException('disk on fire', 'UnknownError');
    });
    await vi.advanceTimersByTimeAsync(500);
    await vi.waitFor(() => expect(guard.signal.aborted).toBe(true));
    get.mockRestore();
    expect(lostKind(guard)).toBe('renewal-failed');
    expect((guard.signal.reason as Error).message).toMatch(/IndexedDB failed/);
  });

  it('refuses fenced writes from a holder told it lost the lock, even while its stored lease still looks live', async () => {
    const a = manager();
    const guard = await a.lock('x', { timeout: 0 });
    const store = new FencedStore<number>({ database, namespace: 'n' });
    const get = vi.spyOn(IDBObjectStore.prototype, 'get').mockImplementation(() => {
      throw new DOMException('disk on fire', 'UnknownError');
    });
    await vi.advanceTimersByTimeAsync(500); // the renewal fails: the holder is told
    await vi.waitFor(() => expect(guard.signal.aborted).toBe(true));
    get.mockRestore();
    await expect(store.put(guard, 'k', 1)).rejects.toMatchObject({ name: 'StaleLockError', message: expect.stringMatching(/renewal-failed/) });
    expect(await store.get('k')).toBeUndefined();
    store.close();
  });

  it("passes a crashed holder's lock on when its lease expires, waking the waiter at the expiry", async () => {
    const b = manager();
    await b.query(); // the database is open: what follows times the lease, not the open
    await raw(() => ({ v: 2, generation: 7, lastOwner: 'crashed', used: 0, holders: [{ owner: 'crashed', token: 'c', mode: 'exclusive', expires: Date.now() + 1500, lease: 1500 }], queue: [] }));
    let acquired = false;
    const waiting = b.lock('x', { timeout: Infinity }).then((g) => ((acquired = true), g));
    await step(1400, b);
    expect(acquired).toBe(false);
    // Fake time only moves when advanced: step in small increments, as a real clock would move on.
    for (let i = 0; i < 10 && !acquired; i++) await step(20, b);
    expect(acquired).toBe(true);
    await waiting;
  });

  it('survives a corrupted or foreign record: the waiter takes the lock, the generation restarts above', async () => {
    const b = manager();
    await raw(() => ({ hello: 'not a lease', holders: 'nope' }));
    const guard = await b.lock('x', { timeout: 0 });
    await guard.release();
    const db = await openDB(database);
    const record = (await db.get('leases', 'w+x')) as { generation: number; holders: unknown[] };
    db.close();
    expect(record.generation).toBeGreaterThan(Date.now() - 1000);
    expect(record.holders).toEqual([]);
  });

  it('does not block another tab upgrading the database, and keeps its lease working after', async () => {
    const a = manager();
    const b = manager();
    const guard = await a.lock('x', { timeout: 0 });
    const current = await openDB(database);
    const version = current.version;
    current.close();
    const upgraded = await openDB(database, version + 1, { upgrade: (db) => void db.createObjectStore('newer') });
    upgraded.close();
    await step(500, a); // renewal reopens the database at its new version
    expect(guard.signal.aborted).toBe(false);
    expect(await b.tryLock('x')).toBeNull();
    await guard.release();
    expect(await b.tryLock('x')).not.toBeNull();
  });

  it('gives every waiting request its own stored place, in request order (Web Locks FIFO across tabs)', async () => {
    const a = manager();
    const b = manager();
    await a.lock('x', { timeout: 0 });
    const modes = ['exclusive', 'shared', 'exclusive', 'shared'] as const;
    for (const mode of modes) void b.lock('x', { mode, timeout: Infinity }).catch(() => {});
    await step(500, b);
    const db = await openDB(database);
    const record = (await db.get('leases', 'w+x')) as { queue: Array<{ owner: string; mode: string }> };
    db.close();
    expect(record.queue.map((e) => [e.owner, e.mode])).toEqual(modes.map((mode) => [b.clientId, mode]));
    expect((await b.query()).pending).toHaveLength(4);
  });

  it('places a request at once even while a round of its tab is in flight: another tab asking right after it comes after it', async () => {
    const a = manager();
    const b = manager();
    await a.lock('x', { timeout: 0 });
    await b.query(); // b's connection is open: its attempt is created as soon as it asks
    // a's first waiter starts a round; a's second is placed while that round is in flight; b asks next.
    void a.lock('x', { timeout: Infinity }).catch(() => {});
    void a.lock('x', { timeout: Infinity }).catch(() => {});
    void b.lock('x', { timeout: Infinity }).catch(() => {});
    await step(0, a);
    await step(0, b);
    const db = await openDB(database);
    const record = (await db.get('leases', 'w+x')) as { queue: Array<{ owner: string }> };
    db.close();
    expect(record.queue.map((e) => e.owner)).toEqual([a.clientId, a.clientId, b.clientId]);
  });

  it("keeps a tab's own requests in order when the first one's stored place lapsed before the second was made", async () => {
    const c = new IndexedDbLockManager({ database, prefix: 'w', leaseMs: 10_000 }); // another tab holds, on a long lease
    managers.push(c);
    const b = manager(); // the default 1.5 s lease: its waiters' places last that long unrefreshed
    const held = await c.lock('x', { timeout: 0 });
    const order: string[] = [];
    const first = b.lock('x', { timeout: Infinity }).then((g) => (order.push('first'), g));
    await step(0, b);
    vi.setSystemTime(Date.now() + 1600); // b's main thread was busy for 1.6 s: the first place lapsed, c's lease did not
    const second = b.lock('x', { timeout: Infinity }).then((g) => (order.push('second'), g));
    await step(0, b);
    await held.release();
    await (await first).release();
    await (await second).release();
    expect(order).toEqual(['first', 'second']);
  });
});

describe('IndexedDbLockManager input and platform', () => {
  it('rejects a database of that name that is not crosslock\'s with StorageError', async () => {
    const foreign = await openDB(database, 3, { upgrade: (db) => void db.createObjectStore('theirs') });
    foreign.close();
    await expect(manager().tryLock('x')).rejects.toMatchObject({ name: 'StorageError', kind: 'unavailable' });
  });

  it('checks every option with a typed error', () => {
    const bad: Array<[unknown, string]> = [
      [{ leaseMs: -1 }, 'OptionRangeError'],
      [{ leaseMs: 'long' }, 'InvalidOptionError'],
      [{ renewMs: 1000 }, 'OptionRangeError'], // more than half the default lease
      [{ database: '' }, 'InvalidOptionError'],
      [{ lease: 5 }, 'InvalidOptionError'],
      [{ prefix: 'a b' }, 'InvalidLockNameError'],
    ];
    for (const [options, name] of bad) {
      expect(() => new IndexedDbLockManager(options as never), JSON.stringify(options)).toThrow(expect.objectContaining({ name }));
    }
    expect(new IndexedDbLockManager({ leaseMs: 5000, renewMs: 1000 }).settings).toMatchObject({ leaseMs: 5000, renewMs: 1000 });
  });

  it('fails construction with UnsupportedError where there is no IndexedDB', () => {
    const saved = globalThis.indexedDB;
    Reflect.deleteProperty(globalThis, 'indexedDB');
    try {
      expect(() => new IndexedDbLockManager()).toThrow(expect.objectContaining({ name: 'UnsupportedError' }));
    } finally {
      globalThis.indexedDB = saved;
    }
  });
});
