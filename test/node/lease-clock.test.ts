/**
 * The lease protocol with every source of time in the test's hands (issue 11): a manual `Clock` (wall
 * and monotonic, set by the test), a manual `Heartbeat` (ticks fired by the test), an in-memory bus
 * whose messages are delivered when the test says so, and fake timers for the waiters' retry sleeps.
 * The store is the real `IndexedDbLeaseStore` over fake-indexeddb (which runs on the real setImmediate).
 */
import 'fake-indexeddb/auto';
import { deleteDB, openDB } from 'idb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LockGuard } from '../../src/index.js';
import type { Clock } from '../../src/lease/clock.js';
import { LeaseLockManager } from '../../src/lease/manager.js';
import type { LeaseMessage } from '../../src/lease/messages.js';
import { LEASE_DEFAULTS } from '../../src/lease/settings.js';
import type { Heartbeat, LeaseBus } from '../../src/lease/store.js';
import { IndexedDbLeaseStore } from '../../src/stores/indexeddb/store.js';

class TestLeaseManager extends LeaseLockManager {
  readonly backend = 'indexeddb';
  readonly scope = 'origin';
}

/** A heartbeat that ticks only when told. */
class ManualHeartbeat implements Heartbeat {
  readonly #listeners = new Set<() => void>();
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }
  stop(): void {
    this.#listeners.clear();
  }
  tick(): void {
    for (const listener of [...this.#listeners]) listener();
  }
}

/** Buses of several managers: posted messages wait in `pending` until `deliver()` (never to the sender, like BroadcastChannel). */
class ManualNetwork {
  readonly pending: Array<{ from: Set<(m: LeaseMessage) => void>; message: LeaseMessage }> = [];
  readonly #endpoints = new Set<Set<(m: LeaseMessage) => void>>();
  bus(): LeaseBus {
    const listeners = new Set<(m: LeaseMessage) => void>();
    this.#endpoints.add(listeners);
    return {
      post: (message) => void this.pending.push({ from: listeners, message }),
      subscribe: (listener) => {
        listeners.add(listener);
        return () => void listeners.delete(listener);
      },
      close: () => void this.#endpoints.delete(listeners),
    };
  }
  deliver(): void {
    for (const { from, message } of this.pending.splice(0)) {
      for (const endpoint of this.#endpoints) if (endpoint !== from) for (const listener of [...endpoint]) listener(message);
    }
  }
}

let database: string;
let managers: TestLeaseManager[];
let time: { wall: number; mono: number };
let clock: Clock;
let heartbeat: ManualHeartbeat;

beforeEach(() => {
  database = `lease-clock-${Math.random().toString(36).slice(2)}`;
  managers = [];
  time = { wall: 1_800_000_000_000, mono: 10_000 };
  clock = { now: () => time.wall, mono: () => time.mono };
  heartbeat = new ManualHeartbeat();
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] }); // waiters' retry sleeps
});

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(managers.map((m) => m.close()));
  await deleteDB(database);
});

function manager(bus?: LeaseBus): TestLeaseManager {
  const m = new TestLeaseManager('w', LEASE_DEFAULTS, {
    store: new IndexedDbLeaseStore(database, Infinity),
    bus,
    heartbeat,
    clock,
    lifecycle: undefined,
  });
  managers.push(m);
  return m;
}

async function record(name = 'w+x'): Promise<{ holders: Array<{ token: string; owner: string }>; queue: Array<{ owner: string }> } | undefined> {
  const db = await openDB(database);
  try {
    return await db.get('leases', name);
  } finally {
    db.close();
  }
}

describe('issue 11: two clocks and the hand-out check', () => {
  it('issue 11 item 4: a stalled holder whose wall clock is stepped back still expires by the monotonic clock', async () => {
    const a = manager();
    const guard = await a.lock('x', { timeout: 0 });
    let told: unknown;
    guard.signal.addEventListener('abort', () => (told = guard.signal.reason));
    // Wall clock 5 minutes back, 1 s of real (monotonic) time: still within the lease, still held.
    time.wall -= 5 * 60_000;
    time.mono += 1000;
    expect(guard.signal.aborted).toBe(false);
    // No tick ran (the holder is stalled); 2 s in all have passed: more than its 1.5 s lease.
    time.mono += 1000;
    expect(guard.signal.aborted).toBe(true);
    expect(guard.signal.reason).toMatchObject({ name: 'LockLostError', kind: 'expired' });
    expect(told).toBe(guard.signal.reason);
  });

  it('issue 11 item 4: the tick checks the monotonic deadline too, before renewing', async () => {
    const a = manager();
    const guard = await a.lock('x', { timeout: 0 });
    let told: unknown;
    guard.signal.addEventListener('abort', () => (told = guard.signal.reason));
    time.wall -= 5 * 60_000;
    time.mono += 2000;
    heartbeat.tick(); // the holder runs again: its first tick must not renew a lease that ran out
    expect(told).toMatchObject({ name: 'LockLostError', kind: 'expired' });
  });

  it('issue 11 item 5: a handoff whose message arrives after its lease ran out is never handed out as a live guard', async () => {
    const network = new ManualNetwork();
    const a = manager(network.bus());
    const b = manager(network.bus());
    const held = await a.lock('x', { timeout: 0 });
    let settled = false;
    let result: LockGuard | undefined;
    const waiting = b.lock('x', { timeout: Infinity }).then((g) => {
      settled = true;
      result = g;
    });
    for (let i = 0; i < 100 && (await record())?.queue.length !== 1; i++); // b has its place in the stored queue
    expect((await record())?.queue).toEqual([expect.objectContaining({ owner: b.clientId })]);

    await held.release(); // promotes b in the record and posts "released" with b's handoff
    expect(network.pending).toEqual([expect.objectContaining({ message: expect.objectContaining({ t: 'released', granted: [expect.anything()] }) })]);
    const handoff = (network.pending[0]!.message as Extract<LeaseMessage, { t: 'released' }>).granted[0]!;
    expect((await record())?.holders).toEqual([expect.objectContaining({ owner: b.clientId, token: handoff.token })]);
    time.wall += 2000; // the message is late: b's handoff lease (1.5 s) ran out meanwhile
    time.mono += 2000;
    network.deliver();
    // No tick: only the hand-out check and b's own retry run (a tick could catch the expiry first).
    for (let i = 0; i < 100 && !settled; i++) await record();
    expect(settled).toBe(true);
    expect(result!.signal.aborted).toBe(false); // b asked the store and took the lock afresh
    const stored = await record();
    expect(stored?.holders).toEqual([expect.objectContaining({ owner: b.clientId, expires: time.wall + LEASE_DEFAULTS.leaseMs })]);
    // The message only woke b: it asked the store, which held its expired entry no more, and granted it afresh.
    expect(stored?.holders[0]!.token).toBe(handoff.token);
    // And it is a live lease: the next tick renews it.
    time.wall += 500;
    time.mono += 500;
    heartbeat.tick();
    await record();
    expect(result!.signal.aborted).toBe(false);
    expect((await record())?.holders).toEqual([expect.objectContaining({ owner: b.clientId, expires: time.wall + LEASE_DEFAULTS.leaseMs })]);
    await waiting;
    await result!.release();
  });
});

describe('steal against a handoff in flight', () => {
  it("a handoff whose message arrives after the steal that took it is void: the robbed waiter never holds beside the thief", async () => {
    const network = new ManualNetwork();
    const [a, b, c] = [manager(network.bus()), manager(network.bus()), manager(network.bus())];
    const held = await a.lock('x', { timeout: 0 });
    let got: LockGuard | undefined;
    const waiting = b.lock('x', { timeout: Infinity }).then((g) => (got = g));
    for (;;) if ((await record())?.queue.length === 1) break;
    await held.release(); // hands the lock to b: its 'released' message waits in the network
    const thief = await c.lock('x', { timeout: 0, steal: true }); // takes it from b: 'stolen' waits too
    network.pending.reverse(); // the steal's message arrives first (two senders are not ordered)
    network.deliver();
    await vi.advanceTimersByTimeAsync(0);
    expect(got).toBeUndefined();
    expect((await record())!.holders.map((h) => h.owner)).toEqual([c.clientId]);
    // b asks again and waits its turn; it gets the lock once the thief lets go.
    await thief.release();
    network.deliver();
    for (let i = 0; i < 50 && !got; i++) await vi.advanceTimersByTimeAsync(100);
    await waiting;
    expect(got!.signal.aborted).toBe(false);
    expect(got!.generation).toBeGreaterThan(thief.generation!);
  });
});
