/**
 * Regressions of the IndexedDB lease backend (issue 11), under controlled time: fake Date and timers,
 * while fake-indexeddb runs on the real setImmediate, so fake time moves only when advanced and is
 * advanced in small steps while IndexedDB work is under way (see indexeddb.test.ts).
 * Also the bounded per-name state of the core and the memory backend. The manual-clock tests (two
 * clocks, hand-out check) are in lease-clock.test.ts.
 */
import 'fake-indexeddb/auto';
import { deleteDB, openDB } from 'idb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LockGuard } from '../../src/index.js';
import { FencedStore } from '../../src/fenced.js';
import { IndexedDbLockManager, type IndexedDbLockManagerOptions } from '../../src/indexeddb.js';
import { MemoryLockManager, MemoryLockSpace } from '../../src/memory.js';
import type { LockWarning } from '../../src/core/errors.js';
import { LAST_SEEN_LIMIT } from '../../src/core/grant.js';
import { SWEEP_EVERY_MS, SWEEP_IDLE_MS } from '../../src/lease/sweep.js';
import { parseMessage, PROTOCOL_VERSION } from '../../src/lease/messages.js';
import { freshRecord } from '../../src/lease/record.js';
import { GENERATIONS_LIMIT } from '../../src/memory/space.js';
import { broadcastBus } from '../../src/stores/indexeddb/bus.js';
import { Connection } from '../../src/stores/indexeddb/connection.js';
import { IndexedDbLeaseStore } from '../../src/stores/indexeddb/store.js';

let database: string;
let managers: IndexedDbLockManager[];

beforeEach(() => {
  database = `lease-reg-${Math.random().toString(36).slice(2)}`;
  managers = [];
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
});

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(managers.map((m) => m.close()));
  await deleteDB(database);
});

function manager(options: IndexedDbLockManagerOptions = {}): IndexedDbLockManager {
  const m = new IndexedDbLockManager({ database, prefix: 'w', ...options });
  managers.push(m);
  return m;
}

async function step(ms: number, m: IndexedDbLockManager): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
  await m.query(); // a read-only transaction: runs after the readwrite ones this step created
}

/** Writes records as another tab (or a bug) would, creating crosslock's schema if the database is new. */
async function raw(records: Record<string, unknown>): Promise<void> {
  const db = await new Connection(database, Infinity).open();
  try {
    const tx = db.transaction('leases', 'readwrite');
    for (const [name, value] of Object.entries(records)) void tx.store.put(value, name);
    await tx.done;
  } finally {
    db.close();
  }
}

async function read<T = Record<string, unknown>>(store: string, key: string): Promise<T | undefined> {
  const db = await openDB(database);
  try {
    return (await db.get(store, key)) as T | undefined;
  } finally {
    db.close();
  }
}

async function keys(): Promise<string[]> {
  const db = await openDB(database);
  try {
    return (await db.getAllKeys('leases')).map(String);
  } finally {
    db.close();
  }
}

describe('issue 11: lease records', () => {
  it('issue 11 item 1: a manager on the default 1.5 s lease never cuts another manager\'s 10 s lease short', async () => {
    const a = manager({ leaseMs: 10_000, renewMs: 4_000 });
    const b = manager(); // defaults: 1500 / 500
    const guard = await a.lock('x', { timeout: 0 });
    let taken: LockGuard | undefined;
    void b.lock('x', { timeout: 6000 }).then(
      (g) => (taken = g),
      () => {},
    );
    for (let i = 0; i < 35; i++) await step(100, b); // 3.5 s: more than b's lease, before a's first renewal
    expect(taken).toBeUndefined();
    expect(guard.signal.aborted).toBe(false);
    const record = await read<{ holders: unknown[]; queue: unknown[] }>('leases', 'w+x');
    expect(record?.holders).toEqual([expect.objectContaining({ owner: a.clientId, mode: 'exclusive', lease: 10_000 })]);
    expect(record?.queue).toEqual([expect.objectContaining({ owner: b.clientId, lease: 1500 })]);
    await guard.release(); // handed over to b
    for (let i = 0; i < 20 && !taken; i++) await step(20, b);
    expect(taken?.signal.aborted).toBe(false);
    await taken!.release();
  });

  it('issue 11 item 2: a record of a newer version is refused with StorageError("version") and left as it is', async () => {
    const a = manager();
    await raw({ 'w+x': { v: 3, whatever: 1 } });
    await expect(a.lock('x', { timeout: 0 })).rejects.toMatchObject({ name: 'StorageError', kind: 'version' });
    await expect(a.tryLock('x')).rejects.toMatchObject({ name: 'StorageError', kind: 'version' });
    await expect(a.lock('x', { timeout: 1000 })).rejects.toMatchObject({ name: 'StorageError', kind: 'version' });
    expect(await read('leases', 'w+x')).toEqual({ v: 3, whatever: 1 });
  });

  it('issue 11 item 2: a broken record of a known version is repaired and reported with a "warning" event', async () => {
    const a = manager();
    const warnings: LockWarning[] = [];
    a.addEventListener('warning', (event) => {
      event.preventDefault(); // keeps it off the console
      warnings.push(event.warning);
    });
    await raw({ 'w+x': { v: 2, generation: 'x' } });
    const guard = await a.lock('x', { timeout: 0 });
    expect(warnings).toEqual([expect.objectContaining({ name: 'LockWarning', kind: 'record-repaired', lockName: 'w+x' })]);
    expect(await read('leases', 'w+x')).toMatchObject({ v: 2, generation: guard.generation, holders: [expect.objectContaining({ owner: a.clientId })] });
    await guard.release();
    expect(warnings).toHaveLength(1); // the repaired record is valid: reported once
  });

  it('issue 11 item 10: idle records are swept while a manager is busy; live, waited-for and recent ones stay; generations never repeat', async () => {
    const now = Date.now();
    // Generations above the wall clock (written before a clock step back): only the floor keeps them from repeating.
    const old = (i: number) => now + 10_000_000 + i;
    const idle: Record<string, unknown> = {};
    for (let i = 0; i < 300; i++) idle[`w+r${i}`] = { v: 2, generation: old(i), lastOwner: 'gone', used: now - 600_000, holders: [], queue: [] };
    const entry = (token: string) => ({ owner: 'other', token, mode: 'exclusive', expires: now + 3_600_000, lease: 3_600_000 });
    await raw({
      ...idle,
      'w+held': { v: 2, generation: 1, lastOwner: 'other', used: now - 600_000, holders: [entry('h')], queue: [] },
      'w+waited': { v: 2, generation: 1, lastOwner: null, used: now - 600_000, holders: [], queue: [entry('q')] },
      'w+recent': { v: 2, generation: 1, lastOwner: 'other', used: now - 1000, holders: [], queue: [] },
      'w+later': { v: 2, generation: 1, lastOwner: 'other', used: now - SWEEP_IDLE_MS + 30_000, holders: [], queue: [] }, // idle at 30 s
    });
    const a = manager();
    const live = await a.lock('live', { timeout: 0 }); // keeps a busy: its ticks run
    for (let t = 0; t < 40_000; t += 500) await step(500, a);
    expect(await keys()).toContain('w+later'); // idle since 30 s, but passes are SWEEP_EVERY_MS apart
    for (let t = 40_000; t < SWEEP_EVERY_MS + 5000; t += 500) await step(500, a);
    expect(await keys()).toContain('w+later'); // the first pass only looked (sweep.ts TwoLooks)
    for (let t = SWEEP_EVERY_MS + 5000; t < 2 * SWEEP_EVERY_MS + 10_000; t += 500) await step(500, a);
    expect(live.signal.aborted).toBe(false);
    expect((await keys()).sort()).toEqual(['w+held', 'w+live', 'w+recent', 'w+waited']);
    expect(await read<number>('meta', 'floor')).toBeGreaterThanOrEqual(old(299));
    const again = await a.lock('r7', { timeout: 0 });
    expect(again.generation).toBeGreaterThan(old(7));
    await again.release();
    await live.release();
  });

  it('issue 11 item 13: a rule that throws aborts the whole update: its own error, nothing written', async () => {
    const store = new IndexedDbLeaseStore(database, 5000);
    const boom = new Error('the rule failed');
    const update = store.update([
      ['w+a', () => ({ write: freshRecord(Date.now()) })],
      [
        'w+b',
        () => {
          throw boom;
        },
      ],
    ]);
    await expect(update).rejects.toBe(boom);
    store.close();
    expect(await read('leases', 'w+a')).toBeUndefined();
    expect(await read('leases', 'w+b')).toBeUndefined();
  });

  it('issue 11 item 13: openTimeoutMs Infinity means no limit; a finite value must fit a timer', async () => {
    const a = manager({ openTimeoutMs: Infinity });
    const taking = a.lock('x', { timeout: 0 });
    await vi.advanceTimersByTimeAsync(1); // an overflowing timer (Infinity) would fire here
    const guard = await taking;
    expect(guard.signal.aborted).toBe(false);
    await guard.release();
    const store = new FencedStore<number>({ database, namespace: 'n', openTimeoutMs: Infinity });
    const reading = store.get('k');
    await vi.advanceTimersByTimeAsync(1);
    await expect(reading).resolves.toBeUndefined();
    store.close();
    for (const make of [(ms: number) => new IndexedDbLockManager({ database, openTimeoutMs: ms }), (ms: number) => new FencedStore({ database, namespace: 'n', openTimeoutMs: ms })]) {
      expect(() => make(2 ** 31)).toThrow(expect.objectContaining({ name: 'OptionRangeError', option: 'openTimeoutMs' }));
      expect(() => make(Number.MAX_SAFE_INTEGER)).toThrow(expect.objectContaining({ name: 'OptionRangeError', option: 'openTimeoutMs' }));
      expect(() => make(2 ** 31 - 1)).not.toThrow();
    }
  });

  it('issue 11 item 2: only messages of this protocol version and of known kinds are accepted', async () => {
    const released = { v: PROTOCOL_VERSION, t: 'released', name: 'w+x', granted: [], generation: 7, queued: false };
    const dead = { v: PROTOCOL_VERSION, t: 'dead', owner: 'o', tokens: ['t'], names: ['w+x'] };
    expect(parseMessage(released)).toBe(released);
    expect(parseMessage(dead)).toBe(dead);
    expect(parseMessage({ v: PROTOCOL_VERSION, t: 'stolen', name: 'w+x', tokens: ['t'] })).toMatchObject({ t: 'stolen' });
    const { v: _, ...unversioned } = released; // crosslock 0.1's shape
    for (const bad of [unversioned, { ...released, v: PROTOCOL_VERSION + 1 }, { ...dead, v: PROTOCOL_VERSION - 1 }, { ...dead, v: String(PROTOCOL_VERSION) }, { ...released, t: 'granted' }, null, undefined, 'released', 2, [released]]) {
      expect(typeof parseMessage(bad), JSON.stringify(bad)).toBe('string');
    }
    // And the bus delivers nothing else: an old message posted on its channel never reaches a listener.
    const bus = broadcastBus(database)!;
    const heard: unknown[] = [];
    const arrived = new Promise<void>((resolve) =>
      bus.subscribe((m) => {
        heard.push(m);
        resolve();
      }),
    );
    const sender = new BroadcastChannel(`crosslock:lease:v${PROTOCOL_VERSION}:${database}`);
    sender.postMessage(unversioned);
    sender.postMessage({ ...released, v: PROTOCOL_VERSION + 1 });
    sender.postMessage(released); // delivered in order: once it arrives, the others were dropped
    await arrived;
    sender.close();
    bus.close();
    expect(heard).toEqual([released]);
  });
});

describe('issue 11 item 10: bounded per-name state', () => {
  async function takeAndRelease(m: MemoryLockManager, names: readonly string[]): Promise<Map<string, number>> {
    const generations = new Map<string, number>();
    for (const name of names) {
      const guard = (await m.tryLock(name))!;
      generations.set(name, guard.generation!);
      await guard.release();
    }
    return generations;
  }

  it('issue 11 item 10: MemoryLockSpace remembers at most GENERATIONS_LIMIT idle names, and a forgotten name never repeats a generation', async () => {
    const space = new MemoryLockSpace();
    const one = new MemoryLockManager({ space, prefix: 'w' });
    const names = Array.from({ length: GENERATIONS_LIMIT + 100 }, (_, i) => `n${i}`);
    const before = await takeAndRelease(one, names);
    // n100 is the oldest name still remembered: the same owner taking it again keeps its generation.
    const kept = (await one.tryLock('n100'))!;
    expect(kept.generation).toBe(before.get('n100'));
    await kept.release();
    // n99 was forgotten: even for the same owner it starts again above every generation it had.
    const forgotten = (await one.tryLock('n99'))!;
    expect(forgotten.generation).toBeGreaterThan(before.get('n99')!);
    expect(forgotten.poisoned).toBe(true);
    await forgotten.release();
    const other = new MemoryLockManager({ space, prefix: 'w' });
    const again = (await other.tryLock('n0'))!;
    expect(again.generation).toBeGreaterThan(before.get('n0')!);
    await again.release();
  });

  it('issue 11 item 10: a manager remembers the last generation of at most LAST_SEEN_LIMIT names; a forgotten one is reported poisoned', async () => {
    const one = new MemoryLockManager({ space: new MemoryLockSpace(), prefix: 'w' });
    const names = Array.from({ length: LAST_SEEN_LIMIT + 10 }, (_, i) => `n${i}`);
    const before = await takeAndRelease(one, names);
    const last = (await one.tryLock(names.at(-1)!))!;
    expect(last).toMatchObject({ generation: before.get(names.at(-1)!), poisoned: false });
    await last.release();
    const first = (await one.tryLock('n0'))!; // the space still has it (same generation); the manager forgot it
    expect(first).toMatchObject({ generation: before.get('n0'), poisoned: true });
    await first.release();
  });
});
