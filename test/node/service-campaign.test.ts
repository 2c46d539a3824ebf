/**
 * A service host's campaign (src/service/campaign.ts): it never dies silently. A failed storage update, an
 * alive lock that could not be had, a factory that threw: each is one typed `'error'` event and the
 * campaign goes on after a capped backoff; only `close()`, the caller's abort or a closed manager end it.
 * `close()` landing anywhere between the grant of the host's election lock and serving settles, and leaves
 * nothing serving and no lock held (a sweep over 0..30 microtasks, memory and IndexedDB leases). The
 * host's `signal` runs the lease and staleness checks when read. A closed host hears nothing on its ports.
 * Fake timers throughout; IndexedDB is fake-indexeddb (its transactions run on the real setImmediate).
 */
import 'fake-indexeddb/auto';
import { getEventListeners } from 'node:events';
import { deleteDB } from 'idb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StorageError, type LockManager } from '../../src/index.js';
import { LeaseLockManager } from '../../src/lease/manager.js';
import { LEASE_DEFAULTS } from '../../src/lease/settings.js';
import type { LeaseStore } from '../../src/lease/store.js';
import type { MemoryLockManager } from '../../src/memory.js';
import { connect, serve, type HostContext, type ServiceHost } from '../../src/service.js';
import { IndexedDbLeaseStore } from '../../src/stores/indexeddb/store.js';
import { Ticker } from '../../src/stores/indexeddb/ticker.js';
import { client, Counter, manager, open, track } from './service-harness.js';

class RealmLeaseManager extends LeaseLockManager {
  readonly backend = 'indexeddb';
  readonly scope = 'realm';
}

const databases: string[] = [];
afterEach(async () => {
  for (const name of databases.splice(0)) await deleteDB(name);
});

/** A lease manager on `database` (fake-indexeddb), whose store is `wrap(real store)`. */
function leaseManager(database: string, wrap: (real: LeaseStore) => LeaseStore = (real) => real): RealmLeaseManager {
  if (!databases.includes(database)) databases.push(database);
  const m = new RealmLeaseManager('w', LEASE_DEFAULTS, {
    store: wrap(new IndexedDbLeaseStore(database, Infinity)),
    bus: undefined,
    heartbeat: new Ticker(LEASE_DEFAULTS.renewMs),
    clock: { now: () => Date.now(), mono: () => performance.now() },
    lifecycle: undefined,
  });
  open.push(m);
  return m;
}

/** A store whose next `n` updates fail with StorageError('failed'), then heals. */
function failing(n: number) {
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

/** `manager`, with `lock()` of names matching `which` rejected `n` times with `error` first. */
function rejecting(m: LockManager, which: RegExp, n: number, error: () => Error): LockManager & { rejected: number } {
  const state = { rejected: 0 };
  return new Proxy(m, {
    get(target, p) {
      if (p === 'rejected') return state.rejected;
      if (p === 'lock') {
        return (name: string, options: never) => {
          if (which.test(name) && state.rejected < n) return (state.rejected++, Promise.reject(error()));
          return target.lock(name, options);
        };
      }
      const value = Reflect.get(target, p) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  }) as LockManager & { rejected: number };
}

/** `manager`, calling `then()` the moment a lock of a name matching `which` is granted (before its caller hears of it). */
function onGrant(m: LockManager, which: RegExp, then: () => void): LockManager {
  let once = false;
  return new Proxy(m, {
    get(target, p) {
      if (p === 'lock') {
        return (name: string, options: never) => {
          const granted = target.lock(name, options);
          if (which.test(name) && !once) granted.then(() => ((once = true), then()), () => {});
          return granted;
        };
      }
      const value = Reflect.get(target, p) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** `ms` of fake time in 10 ms steps, letting IndexedDB (the real setImmediate) work between steps. */
async function run(ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 10) {
    await vi.advanceTimersByTimeAsync(10);
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
  }
}

function watch(h: ServiceHost) {
  const errors: Array<{ name?: string; kind?: string; retryInMs?: number; cause?: unknown }> = [];
  const hosting: Array<HostContext | null> = [];
  h.addEventListener('error', (e) => errors.push(e.error as never));
  h.addEventListener('host', (e) => hosting.push(e.context));
  return { errors, hosting };
}

const storageFailure = { name: 'StorageError', kind: 'failed' };

describe('the host never dies silently', () => {
  it.each([1, 3])('a lease store whose next %i updates fail, then heals: one error each (typed, with the cause, on the backoff), and the host serves again', async (n) => {
    const database = `campaign-${Math.random().toString(36).slice(2)}`;
    const flaky = failing(n);
    const counter = new Counter();
    const h = serve('wallet', counter, { manager: leaseManager(database, flaky.wrap) });
    open.push(h);
    const { errors } = watch(h);
    const c = connect<Counter>('wallet', { manager: leaseManager(database), mode: 'channel', timeout: 30_000 });
    open.push(c);
    const call = track(c.remote.add('x'));
    await run(5000);
    expect(flaky.state.failed).toBe(n);
    expect(errors).toEqual(Array.from({ length: n }, (_, i) => expect.objectContaining({ name: 'ServiceHostError', kind: 'election', retryInMs: 100 * 2 ** i, cause: expect.objectContaining(storageFailure) })));
    expect(call).toMatchObject({ done: true, value: 1 });
    expect(counter.ran).toEqual(['x']);
    expect(h.context).not.toBeNull();
  });

  it.each([
    ['election', /^service\+/, () => new StorageError('unavailable', 'ledger did not load: TypeError: Failed to fetch')],
    ['alive-lock', /^alive\+/, () => new StorageError('failed', 'IndexedDB failed to update: AbortError')],
  ])('a %s lock that cannot be had, twice: two errors, and the host serves on the third try', async (kind, which, error) => {
    const m = rejecting(manager(), which, 2, error);
    const counter = new Counter();
    const h = serve('wallet', counter, { manager: m });
    open.push(h);
    const { errors } = watch(h);
    const c = client();
    const call = track(c.remote.add('x'));
    await run(1000);
    expect(m.rejected).toBe(2);
    expect(errors).toEqual([100, 200].map((retryInMs) => expect.objectContaining({ name: 'ServiceHostError', kind, retryInMs, cause: expect.objectContaining({ name: 'StorageError' }) })));
    expect(call).toMatchObject({ done: true, value: 1 });
    expect(counter.ran).toEqual(['x']);
  });

  it('a factory that throws once: an error with its start, then the next start serves', async () => {
    let made = 0;
    const counter = new Counter();
    const h = serve('wallet', () => {
      if (made++ === 0) throw new RangeError('no keys yet');
      return counter;
    }, { manager: manager() });
    open.push(h);
    const { errors } = watch(h);
    const contexts: unknown[] = [];
    h.addEventListener('error', (e) => contexts.push(e.context));
    const c = client();
    const call = track(c.remote.add('x'));
    await run(1000);
    expect(errors).toEqual([expect.objectContaining({ name: 'ServiceHostError', kind: 'factory', retryInMs: 100, cause: expect.objectContaining({ name: 'RangeError' }) })]);
    expect(contexts).toEqual([expect.objectContaining({ service: 'wallet' })]);
    expect(call).toMatchObject({ done: true, value: 1 });
  });

  it('close() during the backoff settles at once, and nothing is tried again', async () => {
    const m = rejecting(manager(), /^service\+/, 1000, () => new StorageError('failed', 'down'));
    const h = serve('wallet', new Counter(), { manager: m });
    const { errors } = watch(h);
    await run(1000);
    const tried = m.rejected;
    expect(errors).toHaveLength(tried);
    const closed = track(h.close());
    await run(10);
    expect(closed.done).toBe(true);
    await run(10_000);
    expect(m.rejected).toBe(tried);
  });

  it('close() settles while the implementation factory never does; nothing serves and no lock is held after it', async () => {
    const m = manager();
    let signal: AbortSignal | undefined;
    const h = serve('wallet', (ctx: HostContext) => ((signal = ctx.signal), new Promise<Counter>(() => {})), { manager: m });
    const { hosting } = watch(h);
    await run(100);
    expect(signal?.aborted).toBe(false);
    const closed = track(h.close());
    await run(10);
    expect(closed.done).toBe(true);
    expect(signal?.aborted).toBe(true);
    expect(hosting).toEqual([]);
    expect((await m.query()).held).toEqual([]);
  });

  it('the manager closed under the host ends the campaign, with an error that says so', async () => {
    const m = manager();
    const h = serve('wallet', new Counter(), { manager: m });
    open.push(h);
    const { errors } = watch(h);
    await run(100);
    expect(h.context).not.toBeNull();
    await m.close();
    const closed = track(h.closed);
    await run(100);
    expect(closed.done).toBe(true);
    expect(errors).toEqual([expect.objectContaining({ name: 'ServiceHostError', kind: 'manager', retryInMs: undefined, cause: expect.objectContaining({ name: 'ManagerClosedError' }) })]);
  });
});

describe('close() racing the grant of the host election', () => {
  const backends: Array<[string, () => LockManager]> = [
    ['memory', () => manager()],
    ['IndexedDB leases', () => leaseManager(`race-${Math.random().toString(36).slice(2)}`)],
  ];
  for (const [backend, make] of backends) {
    it(`${backend}: for each delay of 0..30 microtasks after the grant (host election, alive lock), close() (host, and client with a fallback host) settles, nothing serves after, no lock is held`, async () => {
      for (const [which, via] of [/^service\+/, /^alive\+/].flatMap((w) => (['host', 'client'] as const).map((v) => [w, v] as const))) {
        for (let k = 0; k <= 30; k++) {
          const m = make();
          let closing: Promise<void> | undefined;
          let close: () => Promise<void> = () => Promise.resolve();
          const hooked = onGrant(m, which, () => {
            void (async () => {
              for (let i = 0; i < k; i++) await null;
              closing = close();
            })();
          });
          let h: ServiceHost;
          if (via === 'host') {
            h = serve('wallet', new Counter(), { manager: hooked });
            close = () => h.close();
          } else {
            const c = connect<Counter>('wallet', { manager: hooked, mode: 'channel', fallback: new Counter() });
            close = () => c.close();
            await Promise.resolve();
            h = c.localHost!;
          }
          const { hosting } = watch(h);
          await run(200);
          expect(closing, `${which.source} ${via}, ${k} microtasks`).toBeDefined();
          // What is held the moment close() resolves (query() starts then).
          const atClose = track(closing!.then(() => m.query()));
          await run(200);
          expect(atClose.done, `${which.source} ${via}, ${k} microtasks: close() settled`).toBe(true);
          expect(atClose.value!.held.filter((l) => /^(service|alive)\+/.test(l.name)), `${which.source} ${via}, ${k}: locks held when close() resolved`).toEqual([]);
          const after = hosting.length;
          await run(2000);
          expect(h.context, `${which.source} ${via}, ${k}`).toBeNull();
          expect(hosting.slice(after).filter(Boolean), `${which.source} ${via}, ${k}: nothing served after close()`).toEqual([]);
          expect(hosting.at(-1) ?? null).toBeNull();
          const { held } = await m.query();
          expect(held.filter((l) => /^(service|alive)\+/.test(l.name)), `${which.source} ${via}, ${k}: locks held after close()`).toEqual([]);
          await m.close();
        }
      }
    }, 60_000);
  }
});

describe("the host's signal runs the checks", () => {
  it('a host thawed past its lease reads its signal aborted at once (before its guard is read)', async () => {
    const database = `signal-${Math.random().toString(36).slice(2)}`;
    const contexts: HostContext[] = [];
    const h = serve('wallet', (ctx: HostContext) => (contexts.push(ctx), new Counter(ctx)), { manager: leaseManager(database) });
    open.push(h);
    await run(500);
    const ctx = contexts[0]!;
    expect(ctx.signal.aborted).toBe(false);
    // Frozen 2 s (past the 1.5 s lease): both clocks move, no timer runs.
    const now = performance.now();
    vi.setSystemTime(Date.now() + 2000);
    const frozen = vi.spyOn(performance, 'now').mockReturnValue(now + 2000);
    try {
      expect(ctx.signal.aborted).toBe(true);
      expect(ctx.guard.signal.aborted).toBe(true);
    } finally {
      frozen.mockRestore();
    }
  });

  it('a host thawed past staleAfterMs (Web Locks) reads its signal aborted at once', async () => {
    const m = manager();
    const webLocks = new Proxy(m, { get: (t, p) => (p === 'backend' ? 'web-locks' : typeof Reflect.get(t, p) === 'function' ? Reflect.get(t, p).bind(t) : Reflect.get(t, p)) }) as MemoryLockManager;
    const contexts: HostContext[] = [];
    const h = serve('wallet', (ctx: HostContext) => (contexts.push(ctx), new Counter(ctx)), { manager: webLocks, staleAfterMs: 10_000, heartbeatMs: 1000 });
    open.push(h);
    await run(100);
    const ctx = contexts[0]!;
    expect(ctx.signal.aborted).toBe(false);
    const now = performance.now();
    const frozen = vi.spyOn(performance, 'now').mockReturnValue(now + 20_000);
    try {
      expect(ctx.signal.aborted).toBe(true);
      expect(ctx.signal.reason).toMatchObject({ name: 'LeadershipEndedError', kind: 'stale' });
    } finally {
      frozen.mockRestore();
    }
  });
});

describe('a closed host', () => {
  it('keeps no listener on the ports it accepted, and answers nothing on them', async () => {
    const h = serve('wallet', new Counter(), { manager: manager() });
    open.push(h);
    const { port1, port2 } = new MessageChannel();
    open.push({ close: async () => (port1.close(), port2.close()) });
    h.accept(port2);
    const heard: Array<{ t?: string }> = [];
    port1.addEventListener('message', (e) => heard.push(e.data as { t?: string }));
    port1.start();
    await run(100);
    const { hostId, epoch } = h.context!;
    expect(getEventListeners(port2, 'message')).toHaveLength(1);
    await h.close();
    expect(getEventListeners(port2, 'message')).toHaveLength(0);
    await run(10);
    expect(heard.map((m) => m.t)).toEqual(['host', 'down']);
    heard.length = 0;
    port1.postMessage({ v: 1, s: 'wallet', t: 'hello', from: 'c1' });
    port1.postMessage({ v: 1, s: 'wallet', t: 'call', from: 'c1', to: hostId, epoch, msg: { id: 'm1', type: 'GET', path: ['ran'] } });
    await run(100);
    expect(heard).toEqual([]);
  });
});
