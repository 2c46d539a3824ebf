/**
 * What the lease protocol asks of a store that is held up (issue 11, `npm run chaos` leases-mixed, seed
 * 3066229778): a page paused inside a transaction blocks every other tab's, and everything the tabs
 * start meanwhile has to drain once it resumes, while tryLock() and `timeout: 0` calls wait behind it.
 * So the updates a tab starts for its waiters must not grow with the number of requests:
 * - at most one placing round per name in flight beside the loop's (waiting.ts);
 * - places given up in one task are released in ONE update per name (manager.ts `#abandon`);
 * - giving up starts no round for the others (they keep their places; the release hands on).
 * The store is the real `IndexedDbLeaseStore` over fake-indexeddb, behind a gate the test opens.
 */
import 'fake-indexeddb/auto';
import { deleteDB, openDB } from 'idb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LockGuard } from '../../src/index.js';
import type { Clock } from '../../src/lease/clock.js';
import { LeaseLockManager } from '../../src/lease/manager.js';
import { StorageError } from '../../src/core/errors.js';
import { LEASE_DEFAULTS, TRY_ANSWER_MS } from '../../src/lease/settings.js';
import type { Decision } from '../../src/lease/decide.js';
import type { LeaseMessage } from '../../src/lease/messages.js';
import type { Heartbeat, LeaseStore, Rule, RuleResult, UpdateHints } from '../../src/lease/store.js';
import { IndexedDbLeaseStore } from '../../src/stores/indexeddb/store.js';

class TestLeaseManager extends LeaseLockManager {
  readonly backend = 'indexeddb';
  readonly scope = 'origin';
}

const heartbeat: Heartbeat = { subscribe: () => () => {}, stop: () => {} };

/** The real store behind a gate: while shut, updates wait (in order) for it to open. Records each update. */
class GatedStore implements LeaseStore {
  readonly updates: Array<{ readonly items: number; readonly releaseOnly: boolean; readonly done: Promise<unknown> }> = [];
  inFlight = 0;
  /** The next update to run fails with this. */
  failNext: Error | undefined;
  #gate: Promise<void> = Promise.resolve();
  #open: () => void = () => {};
  constructor(private readonly inner: IndexedDbLeaseStore) {}
  get database(): string {
    return this.inner.database;
  }
  readonly ordered = true;
  readonly ownTime = false;
  readonly announces = false;
  shut(): void {
    this.#gate = new Promise((resolve) => (this.#open = resolve));
  }
  open(): void {
    this.#open();
  }
  update<R extends RuleResult>(items: ReadonlyArray<readonly [string, Rule<R>]>, hints?: UpdateHints): Promise<R[]> {
    this.inFlight++;
    // In creation order, as IndexedDB would run them: each waits for the gate, then starts its transaction.
    const done = this.#gate
      .then(() => {
        const fail = this.failNext;
        this.failNext = undefined;
        if (fail) throw fail;
        return this.inner.update(items);
      })
      .finally(() => this.inFlight--);
    this.updates.push({ items: items.length, releaseOnly: hints?.releaseOnly ?? false, done });
    return done;
  }
  active(): ReturnType<LeaseStore['active']> {
    return this.inner.active();
  }
  sweep(...args: Parameters<LeaseStore['sweep']>): ReturnType<LeaseStore['sweep']> {
    return this.inner.sweep(...args);
  }
  close(): void {
    this.inner.close();
  }
  /** Resolves once every update started has settled and none follows on from them. */
  async settled(): Promise<void> {
    for (let seen = -1; seen !== this.updates.length; ) {
      seen = this.updates.length;
      await Promise.allSettled(this.updates.map((u) => u.done));
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}

let database: string;
let managers: TestLeaseManager[];
let stores: GatedStore[];

beforeEach(() => {
  database = `lease-load-${Math.random().toString(36).slice(2)}`;
  managers = [];
  stores = [];
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] }); // the loops' backoff sleeps
});

afterEach(async () => {
  vi.useRealTimers();
  for (const store of stores) store.open(); // a test that failed with the gate shut
  await Promise.all(managers.map((m) => m.close()));
  await deleteDB(database);
});

function manager(): { manager: TestLeaseManager; store: GatedStore } {
  const store = new GatedStore(new IndexedDbLeaseStore(database, Infinity));
  const clock: Clock = { now: () => Date.now(), mono: () => performance.now() };
  const m = new TestLeaseManager('w', LEASE_DEFAULTS, { store, bus: undefined, heartbeat, clock, lifecycle: undefined });
  managers.push(m);
  stores.push(store);
  return { manager: m, store };
}

async function queued(): Promise<string[]> {
  const db = await openDB(database);
  try {
    const record = (await db.get('leases', 'w+x')) as { queue: Array<{ mode: string }> } | undefined;
    return record?.queue.map((e) => e.mode) ?? [];
  } finally {
    db.close();
  }
}

describe('a store held up does not pile up updates (issue 11)', () => {
  let held: LockGuard;
  beforeEach(async () => {
    held = await manager().manager.lock('x', { timeout: 0 });
  });

  it("ten requests made while the store is held up cost three updates, not ten, and are placed in order", async () => {
    const { manager: b, store } = manager();
    const before = store.updates.length; // the holder's (another manager's store)
    store.shut();
    const modes = ['exclusive', 'shared', 'shared', 'exclusive', 'shared', 'exclusive', 'exclusive', 'shared', 'shared', 'exclusive'] as const;
    const waits = Promise.allSettled(modes.map((mode) => b.lock('x', { mode, timeout: Infinity })));
    await Promise.resolve();
    // The loop's round (the first request) and one placing round (the second): nothing for the other eight yet.
    expect(store.inFlight).toBe(2);
    store.open();
    await store.settled();
    // ...then one round of the loop places all ten, in request order.
    expect(store.updates.length - before).toBe(3);
    expect(await queued()).toEqual(modes);
    await held.release();
    await b.close();
    expect((await waits).every((w) => w.status === 'rejected' && (w.reason as Error).name === 'ManagerClosedError')).toBe(true);
  });

  it('places given up in one task go in one update, and start no round for the others', async () => {
    const { manager: b, store } = manager();
    const controller = new AbortController();
    const giving = [0, 1, 2, 3].map(() => b.lock('x', { signal: controller.signal, timeout: Infinity }));
    const outcomes = Promise.allSettled(giving);
    const staying = b.lock('x', { timeout: Infinity });
    await store.settled();
    expect(await queued()).toHaveLength(5);
    const before = store.updates.length;
    controller.abort();
    await store.settled();
    const after = store.updates.slice(before);
    expect(after.map((u) => [u.items, u.releaseOnly])).toEqual([[4, true]]);
    expect(await queued()).toHaveLength(1);
    expect((await outcomes).map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
    await held.release();
    await store.settled();
    // The one that stayed gets the lock (no bus here: it hears nothing, and asks again on its backoff).
    await vi.advanceTimersByTimeAsync(LEASE_DEFAULTS.renewMs);
    const guard = await staying;
    expect(guard.signal.aborted).toBe(false);
    await guard.release();
  });

  it('a request made while a placing round is in flight wakes the sleeping loop: placed at once, not on its backoff', async () => {
    const { manager: b, store } = manager();
    const waits = Promise.allSettled([b.lock('x', { timeout: Infinity })]);
    await store.settled(); // the first is placed; its loop sleeps on its backoff (fake timers: for ever here)
    store.shut();
    const more = Promise.allSettled([b.lock('x', { mode: 'shared', timeout: Infinity }), b.lock('x', { timeout: Infinity })]);
    await Promise.resolve();
    expect(store.inFlight).toBe(2); // the second's placing round, and the loop woken for the third
    store.open();
    await store.settled();
    expect(await queued()).toEqual(['exclusive', 'shared', 'exclusive']);
    await b.close();
    await Promise.all([waits, more]);
  });
});

describe('places given up go first (review of the batching)', () => {
  it('abort() then tryLock() in one task: the given-up request is out of the queue before the tryLock', async () => {
    const { manager: b, store } = manager();
    const held = await b.lock('x', { timeout: 0 });
    const controller = new AbortController();
    const waiting = b.lock('x', { signal: controller.signal, timeout: Infinity }).catch((e: Error) => e.name);
    await store.settled();
    expect(await queued()).toEqual(['exclusive']);
    const released = held.release();
    controller.abort();
    const tried = b.tryLock('x');
    await released;
    expect(await waiting).toBe('AbortError');
    const guard = await tried;
    expect(guard).not.toBeNull(); // before: the release promoted the given-up request, and tryLock found it holding
    await guard!.release();
  });

  it("close() releases its waiters' places before its held locks: it never hands a lock to its own rejected waiter", async () => {
    const { manager: b, store } = manager();
    const { manager: c } = manager();
    const held = await b.lock('x', { timeout: 0 });
    const mine = b.lock('x', { timeout: Infinity }).catch((e: Error) => e.name);
    await store.settled();
    const theirs = c.lock('x', { timeout: Infinity });
    await vi.waitFor(async () => expect(await queued()).toHaveLength(2));
    const before = store.updates.length;
    await b.close();
    expect(await mine).toBe('ManagerClosedError');
    // One update for the waiter's place, then the holder's release: nothing of b's promoted in between.
    const promoted = await Promise.all(store.updates.slice(before).map((u) => u.done));
    expect(promoted.flat().flatMap((d) => (d as Decision).promoted.map((e) => e.owner))).toEqual([c.clientId]);
    expect(held.released).toBe(true);
    await vi.advanceTimersByTimeAsync(LEASE_DEFAULTS.renewMs);
    await (await theirs).release();
  });

  it('a place given up in the task of a pagehide into the back/forward cache is announced dead, and no transaction starts', async () => {
    let hide: ((cached: boolean) => void) | undefined;
    const posted: LeaseMessage[] = [];
    const store = new GatedStore(new IndexedDbLeaseStore(database, Infinity));
    stores.push(store);
    const clock: Clock = { now: () => Date.now(), mono: () => performance.now() };
    const b = new TestLeaseManager('w', LEASE_DEFAULTS, {
      store,
      bus: { post: (m) => void posted.push(m), subscribe: () => () => {}, close: () => {} },
      heartbeat,
      clock,
      lifecycle: (events) => ((hide = events.hide), () => {}),
    });
    managers.push(b);
    await manager().manager.lock('x', { timeout: 0 }); // another tab holds
    const controller = new AbortController();
    const waiting = b.lock('x', { signal: controller.signal, timeout: Infinity }).catch((e: Error) => e.name);
    await store.settled();
    const before = store.updates.length;
    controller.abort();
    hide!(true);
    expect(await waiting).toBe('AbortError');
    await store.settled();
    expect(store.updates.length).toBe(before);
    expect(posted).toEqual([expect.objectContaining({ t: 'dead', tokens: [expect.any(String)], names: ['w+x'] })]);
  });

  it('tryLock() on a store held up answers null after TRY_ANSWER_MS, and its grant arriving later is given back', async () => {
    const { manager: b, store } = manager();
    const { manager: c } = manager();
    store.shut(); // another tab stopped inside a transaction
    const tried = b.tryLock('y');
    let answer: unknown = 'pending';
    void tried.then((g) => (answer = g));
    await vi.advanceTimersByTimeAsync(TRY_ANSWER_MS - 1);
    expect(answer).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(answer).toBeNull();
    store.open();
    await store.settled(); // the late grant, then its release
    const db = await openDB(database);
    const record = (await db.get('leases', 'w+y')) as { holders: unknown[] };
    db.close();
    expect(record.holders).toEqual([]);
    const guard = await c.tryLock('y');
    expect(guard).not.toBeNull();
    await guard!.release();
  });

  it('an update that fails for good after its tryLock() answered passes its error to the next call (one transaction aborted does not)', async () => {
    const { manager: b, store } = manager();
    await b.query(); // the connection is open
    /** A tryLock() that answers null while the store is held up, and whose update then fails with `failure`. */
    const lateThenFailing = async (failure: StorageError): Promise<void> => {
      store.shut();
      const tried = b.tryLock('y');
      await vi.advanceTimersByTimeAsync(TRY_ANSWER_MS);
      expect(await tried).toBeNull();
      store.failNext = failure;
      store.open();
      await store.settled();
    };
    await lateThenFailing(new StorageError('failed', 'a transaction aborted (a bfcache pagehide)'));
    const guard0 = await b.tryLock('y'); // not a lasting failure: not handed on
    expect(guard0).not.toBeNull();
    await guard0!.release();
    await lateThenFailing(new StorageError('blocked', 'another tab keeps an old version open'));
    const updates = store.updates.length;
    await expect(b.tryLock('y')).rejects.toMatchObject({ name: 'StorageError', kind: 'blocked' });
    expect(store.updates.length).toBe(updates); // told at once, without asking the store
    const guard = await b.tryLock('y');
    expect(guard).not.toBeNull();
    await guard!.release();
  });
});

