/**
 * What the campaign tests of the leader and the backup share (leader-campaign.test.ts,
 * backup-campaign.test.ts): a lease manager over fake-indexeddb whose store can fail, a manager whose
 * grants of one name call a hook first, and fake time that lets IndexedDB work.
 */
import 'fake-indexeddb/auto';
import { vi } from 'vitest';
import { StorageError, type LockGuard, type LockManager } from '../../src/index.js';
import { LeaseLockManager } from '../../src/lease/manager.js';
import { LEASE_DEFAULTS } from '../../src/lease/settings.js';
import type { LeaseStore } from '../../src/lease/store.js';
import { IndexedDbLeaseStore } from '../../src/stores/indexeddb/store.js';
import { Ticker } from '../../src/stores/indexeddb/ticker.js';

export class RealmLeaseManager extends LeaseLockManager {
  readonly backend = 'indexeddb';
  readonly scope = 'realm';
}

/** A lease manager on `database` (fake-indexeddb), whose store is `wrap(real store)`. */
export function leaseManager(database: string, wrap: (real: LeaseStore) => LeaseStore = (real) => real): RealmLeaseManager {
  return new RealmLeaseManager('w', LEASE_DEFAULTS, {
    store: wrap(new IndexedDbLeaseStore(database, Infinity)),
    bus: undefined,
    heartbeat: new Ticker(LEASE_DEFAULTS.renewMs),
    clock: { now: () => Date.now(), mono: () => performance.now() },
    lifecycle: undefined,
  });
}

/** A store whose next `n` updates fail with StorageError('failed'), then heals; `state.failed` counts them. */
export function failing(n: number) {
  const state = { failed: 0 };
  const wrap = (real: LeaseStore): LeaseStore =>
    Object.assign(Object.create(real) as LeaseStore, {
      update: (...args: Parameters<LeaseStore['update']>) => {
        if (state.failed < n) return (state.failed++, Promise.reject(new StorageError('failed', 'IndexedDB failed to update: AbortError')));
        return real.update(...args);
      },
    });
  return { state, wrap };
}

/**
 * `m`, calling `then()` the moment its first `lock()` of a name matching `which` resolves, before the caller
 * that asked hears of it (the hook's reaction is registered first).
 */
export function onGrant(m: LockManager, which: RegExp, then: (guard: LockGuard) => void): LockManager {
  let once = false;
  return new Proxy(m, {
    get(target, p) {
      if (p === 'lock') {
        return (name: string, options: never) => {
          const granted = target.lock(name, options);
          if (which.test(name) && !once) granted.then((guard) => ((once = true), then(guard)), () => {});
          return granted;
        };
      }
      const value = Reflect.get(target, p) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** Runs `fn` after `k` microtasks: at once (in the caller's own microtask) for 0. */
export function after(k: number, fn: () => void): void {
  void (async () => {
    for (let i = 0; i < k; i++) await null;
    fn();
  })();
}

/** `ms` of fake time in 10 ms steps, letting IndexedDB (the real setImmediate) work between steps. */
export async function run(ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 10) {
    await vi.advanceTimersByTimeAsync(10);
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Runs fake time until `promise` settles (at most `within` ms); its outcome. */
export async function settle<T>(promise: Promise<T>, within = 10_000): Promise<T> {
  let done = false;
  void promise.finally(() => (done = true)).catch(() => {});
  for (let t = 0; t < within && !done; t += 10) await run(10);
  return promise;
}

/** Whether `promise` has settled, as seen from a reaction registered now (call it right after making it). */
export function tracked<T>(promise: Promise<T>): { readonly settled: boolean; readonly outcome: Promise<T | Error> } {
  const state = { settled: false };
  const outcome = promise.then(
    (value) => ((state.settled = true), value),
    (error: Error) => ((state.settled = true), error),
  );
  return {
    get settled() {
      return state.settled;
    },
    outcome,
  };
}
