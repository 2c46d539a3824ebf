/**
 * A waiter whose attempt is in flight when its page enters the back/forward cache: the page's
 * transactions are aborted then (stores/indexeddb/connection.ts), so the attempt fails with a
 * StorageError. That is not the waiter's failure: it rejoins under its new token when the page is
 * shown again, and gets the lock. (Before: `lock()` rejected with the StorageError, and a restored
 * follower election never led again; seen in e2e.) Real IndexedDbLeaseStore over fake-indexeddb.
 */
import 'fake-indexeddb/auto';
import { deleteDB } from 'idb';
import { afterEach, expect, it } from 'vitest';
import { StorageError } from '../../src/index.js';
import { LeaseLockManager, type Lifecycle } from '../../src/lease/manager.js';
import { LEASE_DEFAULTS } from '../../src/lease/settings.js';
import type { Heartbeat, LeaseStore } from '../../src/lease/store.js';
import { IndexedDbLeaseStore } from '../../src/stores/indexeddb/store.js';

class TestLeaseManager extends LeaseLockManager {
  readonly backend = 'indexeddb';
  readonly scope = 'origin';
}

const quiet: Heartbeat = { subscribe: () => () => {}, stop: () => {} };
const clock = { now: () => Date.now(), mono: () => performance.now() };
const database = `lease-bfcache-${Math.random().toString(36).slice(2)}`;
const open: TestLeaseManager[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((m) => m.close()));
  await deleteDB(database);
});

it('an attempt aborted by a pagehide into the back/forward cache does not fail the waiter: it rejoins and gets the lock', async () => {
  const holder = new TestLeaseManager('w', LEASE_DEFAULTS, { store: new IndexedDbLeaseStore(database, Infinity), bus: undefined, heartbeat: quiet, clock, lifecycle: undefined });
  open.push(holder);
  const real = new IndexedDbLeaseStore(database, Infinity);
  // The waiter's store: its next update is held until the test fails it, as an aborted transaction does.
  let hold: ((error: Error) => void) | undefined;
  let held: (() => void) | undefined;
  const attemptHeld = new Promise<void>((resolve) => (held = resolve));
  const store: LeaseStore = Object.assign(Object.create(real) as LeaseStore, {
    update: (items: Parameters<LeaseStore['update']>[0]) => {
      if (!hold && held) {
        return new Promise<never>((_, reject) => {
          hold = reject;
          held!();
          held = undefined;
        });
      }
      return real.update(items);
    },
  });
  let events: { hide(cached: boolean): void; resume(): void } | undefined;
  const lifecycle: Lifecycle = (e) => ((events = e), () => {});
  const waiter = new TestLeaseManager('w', LEASE_DEFAULTS, { store, bus: undefined, heartbeat: quiet, clock, lifecycle });
  open.push(waiter);

  const guard = await holder.lock('x', { timeout: 0 });
  const waiting = waiter.lock('x', { timeout: 30_000 });
  await attemptHeld;
  events!.hide(true); // into the back/forward cache, the attempt in flight
  hold!(new StorageError('failed', 'IndexedDB failed to update: AbortError'));
  events!.resume(); // restored
  await guard.release();
  const got = await waiting;
  expect(got.name).toBe('x');
  await got.release();
});

it('a release in flight when its page enters the back/forward cache resolves: its token is announced dead and another tab takes the lock at once', async () => {
  const real = new IndexedDbLeaseStore(database, Infinity);
  // The holder's store: its release's update is held until the test fails it, as an aborted transaction does.
  let failRelease: ((error: Error) => void) | undefined;
  let holding = false;
  let started: (() => void) | undefined;
  const releaseStarted = new Promise<void>((resolve) => (started = resolve));
  const store: LeaseStore = Object.assign(Object.create(real) as LeaseStore, {
    update: (items: Parameters<LeaseStore['update']>[0]) => {
      if (!holding) return real.update(items);
      return new Promise<never>((_, reject) => ((failRelease = reject), started!()));
    },
  });
  const bus = new BroadcastChannel(`lease-bfcache-bus-${database}`);
  const other = new BroadcastChannel(`lease-bfcache-bus-${database}`);
  const heard: Array<{ t?: string; names?: string[] }> = [];
  const busOf = (channel: BroadcastChannel) => ({
    post: (m: unknown) => {
      try {
        channel.postMessage(m);
      } catch {
        // closed at the end of the test, before the managers
      }
    },
    subscribe: (listener: (m: never) => void) => ((channel.onmessage = (e) => (heard.push(e.data as never), listener(e.data as never))), () => (channel.onmessage = null)),
    close: () => {},
  });
  let events: { hide(cached: boolean): void; resume(): void } | undefined;
  const lifecycle: Lifecycle = (e) => ((events = e), () => {});
  const holder = new TestLeaseManager('w', LEASE_DEFAULTS, { store, bus: busOf(bus) as never, heartbeat: quiet, clock, lifecycle });
  const taker = new TestLeaseManager('w', LEASE_DEFAULTS, { store: new IndexedDbLeaseStore(database, Infinity), bus: busOf(other) as never, heartbeat: quiet, clock, lifecycle: undefined });
  open.push(holder, taker);
  try {
    const guard = await holder.lock('x', { timeout: 0 });
    const waiting = taker.lock('x', { timeout: 30_000 });
    holding = true;
    const releasing = guard.release();
    await releaseStarted;
    events!.hide(true); // into the back/forward cache, the release in flight
    failRelease!(new StorageError('failed', 'IndexedDB failed to update the lease of "w.x": AbortError'));
    await expect(releasing).resolves.toBeUndefined();
    const got = await waiting;
    expect(heard).toContainEqual(expect.objectContaining({ t: 'dead', names: ['w+x'] })); // taken without waiting out the lease
    expect(got.name).toBe('x');
    await got.release();
  } finally {
    bus.close();
    other.close();
  }
});
