/**
 * Issue 11 item 10, the Web Locks side: the generation ledger keeps one record per checked lock name;
 * idle ones are swept, but never one whose lock the browser shows held or requested, never one granted
 * between two looks (whatever the sweeper's clock says), and a swept name never repeats a generation.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { deleteDB, openDB } from 'idb';
import { SWEEP_EVERY_MS, SWEEP_IDLE_MS } from '../../src/lease/sweep.js';
import { openLedger } from '../../src/web-locks/ledger.js';
import { WebLockManager } from '../../src/index.js';

const cleanup: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** A ledger database whose records `p+idle*` and `p+held` were last granted long ago, and `p+recent` just now. */
async function seeded() {
  const database = `ledger-sweep-${Math.random().toString(36).slice(2)}`;
  const prefix = 'p';
  const locks = new WebLockManager({ prefix, database });
  cleanup.push(() => deleteDB(database), () => locks.close());
  await (await locks.lock('warm-up', { timeout: 0 })).release(); // creates the schema
  const now = Date.now();
  // Above the wall clock (written before a clock step back): only the high-water mark keeps them from repeating.
  const high = now + 10_000_000;
  const db = await openDB(database);
  const record = (used: number, i = 0) => ({ v: 2, generation: high + i, lastOwner: 'gone', used, holders: [], queue: [] });
  const tx = db.transaction('leases', 'readwrite');
  for (let i = 0; i < 5; i++) void tx.store.put(record(now - 2 * SWEEP_IDLE_MS, i), `p+idle${i}`);
  void tx.store.put(record(now - 2 * SWEEP_IDLE_MS), 'p+held');
  void tx.store.put(record(now - 1000), 'p+recent');
  await tx.done;
  db.close();
  const read = async (store: string, key?: string) => {
    const db = await openDB(database);
    try {
      return key === undefined ? (await db.getAllKeys(store)).map(String).sort() : await db.get(store, key);
    } finally {
      db.close();
    }
  };
  return { database, locks, high, read };
}

/** Holds `name` in the browser (not through crosslock) until the returned function is called. */
async function holdRaw(name: string): Promise<() => void> {
  let letGo!: () => void;
  await new Promise<void>((granted) => void navigator.locks.request(name, () => (granted(), new Promise<void>((r) => (letGo = r)))));
  return letGo;
}

describe('Web Locks ledger sweeping', () => {
  it("never deletes a record granted between its two looks, even on a sweeper's clock minutes ahead (chaos seed 3066229778)", async () => {
    const { database, locks, read } = await seeded();
    const ledger = openLedger(database, Infinity, navigator.locks);
    cleanup.push(() => ledger.close());
    await (await locks.lock('recent', { timeout: 0 })).release(); // granted now, free again
    vi.spyOn(Date, 'now').mockReturnValue(Date.now() + 3 * SWEEP_IDLE_MS); // this tab's clock jumps ahead
    await ledger.sweepBatch(undefined); // the first look: everything is idle by this clock
    vi.mocked(Date.now).mockRestore();
    const held = await locks.lock('recent', { timeout: 0 }); // another grant, between the looks
    vi.spyOn(Date, 'now').mockReturnValue(Date.now() + 3 * SWEEP_IDLE_MS);
    await held.release(); // free when the second look's query() runs (as if granted just after it)
    const { removed } = await ledger.sweepBatch(undefined);
    expect(removed).toBe(7); // p.idle*, p.held, p.warm-up: unchanged since the first look
    expect(await read('leases')).toEqual(['p+recent']);
  });

  it('deletes idle records of free locks only, raising the high-water mark over them', async () => {
    const { database, locks, high, read } = await seeded();
    const release = await holdRaw('p+held');
    cleanup.push(release);
    const ledger = openLedger(database, Infinity, navigator.locks);
    cleanup.push(() => ledger.close());
    expect(await ledger.sweepBatch(undefined)).toEqual({ next: undefined, removed: 0 }); // the first look
    const { next, removed } = await ledger.sweepBatch(undefined);
    expect(next).toBeUndefined();
    expect(removed).toBe(5);
    expect(await read('leases')).toEqual(['p+held', 'p+recent', 'p+warm-up']);
    expect(await read('meta', 'floor')).toBe(high + 4);
    const again = await locks.lock('idle2', { timeout: 0 });
    expect(again.generation).toBeGreaterThan(high + 4);
    await again.release();
  });

  it('goes a batch at a time, from where it stopped', async () => {
    const { database, read } = await seeded();
    const ledger = openLedger(database, Infinity, navigator.locks);
    cleanup.push(() => ledger.close());
    const store = await openDB(database);
    const tx = store.transaction('leases', 'readwrite');
    const record = { v: 2, generation: 1, lastOwner: 'gone', used: 0, holders: [], queue: [] };
    for (let i = 0; i < 450; i++) void tx.store.put(record, `q.${String(i).padStart(3, '0')}`);
    await tx.done;
    store.close();
    for (let from: string | undefined, first = true; first || from !== undefined; first = false) from = (await ledger.sweepBatch(from)).next; // the first looks
    const first = await ledger.sweepBatch(undefined);
    expect(first.next).toBeDefined();
    const second = await ledger.sweepBatch(first.next);
    const third = await ledger.sweepBatch(second.next);
    expect(third.next).toBeUndefined();
    expect(first.removed + second.removed + third.removed).toBe(6 + 450); // p.idle*, p.held (free here), q.*
    expect(await read('leases')).toEqual(['p+recent', 'p+warm-up']);
  });

  it('runs on its own after a checked grant once a pass is due, and never deletes the record of a held lock', async () => {
    const { locks, high, read } = await seeded();
    const start = Date.now(); // seeded()'s warm-up grant was the pass's first step: the first pass is due SWEEP_EVERY_MS later
    const held = await locks.lock('held', { timeout: 0 }); // held through crosslock
    const clock = vi.spyOn(Date, 'now');
    clock.mockReturnValue(start + SWEEP_EVERY_MS - 1000);
    await (await locks.lock('x', { timeout: 0 })).release(); // not due yet
    expect(await read('leases')).toContain('p+idle0');
    // Due, and later than SWEEP_IDLE_MS: every record but the ones granted from here on is idle by its age.
    clock.mockReturnValue(start + SWEEP_IDLE_MS + SWEEP_EVERY_MS);
    await (await locks.lock('x', { timeout: 0 })).release(); // a first pass runs in the background: it only looks
    clock.mockReturnValue(start + SWEEP_IDLE_MS + 3 * SWEEP_EVERY_MS);
    await expect.poll(async () => (await (await locks.lock('y', { timeout: 0 })).release(), read('leases'))).toEqual(['p+held', 'p+x', 'p+y']);
    expect(await read('meta', 'floor')).toBe(high + 4);
    await held.release();
  });
});
