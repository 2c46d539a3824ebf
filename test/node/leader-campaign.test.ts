/**
 * `lead()` never dies silently and `close()` leaves nothing behind (src/leader/campaign.ts): a lease store
 * failing N times then healing is N typed `'error'` events on the capped backoff, then a leader; `close()` or
 * the caller's abort landing 0..30 microtasks after the lock's grant settles `lead()`, and leaves nobody
 * leading and the lock free, on memory and IndexedDB leases (fake-indexeddb). And the smaller holes: every
 * signal a leadership hands out runs its checks (`guard.signal` too), `await using` where the engine has no
 * `Symbol.asyncDispose`, no `AbortSignal.any`, and no listener left on the caller's signal.
 */
import { getEventListeners } from 'node:events';
import { deleteDB } from 'idb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LockManager } from '../../src/index.js';
import { ElectionError, LeaderElection, type Leadership } from '../../src/leader.js';
import { MemoryLockManager, MemoryLockSpace } from '../../src/memory.js';
import { failing, leaseManager, after, onGrant, settle, tracked } from './campaign-harness.js';

const open: Array<{ close(): Promise<void> }> = [];
const databases: string[] = [];
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.close();
  vi.useRealTimers();
  vi.restoreAllMocks();
  for (const name of databases.splice(0)) await deleteDB(name);
});
const database = (): string => {
  const name = `leader-campaign-${Math.random().toString(36).slice(2)}`;
  databases.push(name);
  return name;
};
const fakeTime = () => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance', 'Date'] });

describe('lead() never dies silently', () => {
  it.each([1, 3])('a lease store whose next %i updates fail, then heals: one typed error each, on the backoff, then it leads', async (n) => {
    fakeTime();
    const flaky = failing(n);
    const manager = leaseManager(database(), flaky.wrap);
    const e = new LeaderElection(manager, 'wallet');
    open.push(manager, e);
    const errors: ElectionError[] = [];
    e.addEventListener('error', (event) => errors.push(event.error));
    const leadership = await settle(e.lead());
    expect(e.isLeader).toBe(true);
    expect(leadership.signal.aborted).toBe(false);
    expect(flaky.state.failed).toBe(n);
    expect(errors).toHaveLength(n);
    errors.forEach((error, i) => {
      expect(error).toBeInstanceOf(ElectionError);
      expect(error).toMatchObject({ name: 'ElectionError', electionName: 'wallet', retryInMs: 100 * 2 ** i, cause: { name: 'StorageError', kind: 'failed' } });
    });
  });

  it('the backoff is capped at 5 s, and a closed manager ends lead() with ManagerClosedError and no event', async () => {
    fakeTime();
    const flaky = failing(9);
    const manager = leaseManager(database(), flaky.wrap);
    const e = new LeaderElection(manager, 'wallet');
    open.push(manager, e);
    const errors: ElectionError[] = [];
    e.addEventListener('error', (event) => errors.push(event.error));
    await settle(e.lead(), 60_000);
    expect(errors.map((x) => x.retryInMs)).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
    await manager.close();
    const other = new LeaderElection(manager, 'other');
    open.push(other);
    await expect(other.lead()).rejects.toMatchObject({ name: 'ManagerClosedError' });
    expect(errors).toHaveLength(9);
  });

  it('close() during the backoff ends lead() with ManagerClosedError at once, and asks for the lock no more', async () => {
    fakeTime();
    const manager = leaseManager(database(), failing(1).wrap);
    let asked = 0;
    const counted = new Proxy(manager, {
      get(target, p) {
        if (p === 'lock') return (...args: Parameters<LockManager['lock']>) => (asked++, target.lock(...args));
        const value = Reflect.get(target, p) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const e = new LeaderElection(counted, 'wallet');
    open.push(manager);
    const failed = new Promise<void>((resolve) => e.addEventListener('error', () => resolve()));
    const leading = tracked(e.lead());
    await settle(failed);
    await e.close();
    expect(leading.settled).toBe(true);
    expect(await leading.outcome).toMatchObject({ name: 'ManagerClosedError' });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(asked).toBe(1);
  });
});

describe('close() or an abort racing the grant', () => {
  const backends: Array<[string, () => LockManager]> = [
    ['memory', () => new MemoryLockManager({ space: (spaces.memory ??= new MemoryLockSpace()), prefix: 'w' })],
    ['IndexedDB leases', () => leaseManager((spaces.leases ??= database()))],
  ];
  const spaces: { memory?: MemoryLockSpace; leases?: string } = {};

  it.each(backends)('%s: close() 0..30 microtasks after the grant: lead() has settled, nobody leads, the lock is free', async (_, make) => {
    for (let k = 0; k <= 30; k++) {
      const base = make();
      open.push(base);
      let closing: Promise<void> | undefined;
      let e!: LeaderElection;
      const granted = new Promise<void>((resolve) => {
        e = new LeaderElection(
          onGrant(base, /^leader\+/, () => after(k, () => ((closing = e.close()), resolve()))),
          'wallet',
        );
      });
      const leading = tracked(e.lead());
      await granted;
      await closing;
      expect(leading.settled, `k=${k}`).toBe(true);
      const outcome = await leading.outcome;
      if (outcome instanceof Error) expect(outcome, `k=${k}`).toMatchObject({ name: 'ManagerClosedError' });
      else expect((outcome as Leadership).signal.aborted, `k=${k}`).toBe(true);
      expect(e.isLeader, `k=${k}`).toBe(false);
      expect((await base.query()).held, `k=${k}`).toEqual([]);
      // And someone else leads at once.
      const next = new LeaderElection(base, 'wallet');
      open.push(next);
      await (await next.lead()).resign();
    }
  });

  it.each(backends)('%s: the caller aborting 0..30 microtasks after the grant: lead() rejects and lets go, or leads', async (_, make) => {
    for (let k = 0; k <= 30; k++) {
      const base = make();
      open.push(base);
      const controller = new AbortController();
      let aborted!: () => void;
      const abort = new Promise<void>((resolve) => (aborted = resolve));
      const e = new LeaderElection(
        onGrant(base, /^leader\+/, () => after(k, () => (controller.abort(new Error('gave up')), aborted()))),
        'wallet',
      );
      open.push(e);
      const leading = tracked(e.lead({ signal: controller.signal }));
      await abort;
      const outcome = await leading.outcome;
      // At 0 the abort lands before lead() has gone on from the grant: it must not lead.
      if (k === 0) expect(outcome).toBeInstanceOf(Error);
      const held = (await base.query()).held.map((l) => l.name);
      if (outcome instanceof Error) {
        expect(outcome.message, `k=${k}`).toBe('gave up');
        expect(held, `k=${k}`).toEqual([]);
      } else expect(held, `k=${k}`).toEqual(['leader+wallet']);
      await e.close();
      expect((await base.query()).held, `k=${k}`).toEqual([]);
    }
  });
});

describe('the signals a leadership hands out', () => {
  // Only Web Locks leaders step down as stale: the memory backend, calling itself that, stands in.
  const stealable = (space: MemoryLockSpace): MemoryLockManager => Object.defineProperty(new MemoryLockManager({ space, prefix: 'w' }), 'backend', { value: 'web-locks' });

  it("reading guard.signal runs the leadership's staleness check: a thawed leader's guard reads aborted at once", async () => {
    fakeTime();
    const manager = stealable(new MemoryLockSpace());
    const e = new LeaderElection(manager, 'wallet', { heartbeatMs: 100, staleAfterMs: 1000 });
    open.push(manager, e);
    const lead = await e.lead();
    await vi.advanceTimersByTimeAsync(300);
    expect(lead.guard.signal.aborted).toBe(false);
    vi.spyOn(performance, 'now').mockReturnValue(performance.now() + 900); // frozen: no task has run since
    expect(lead.guard.signal.aborted).toBe(true);
    expect(lead.guard.signal.reason).toMatchObject({ name: 'LeadershipEndedError', kind: 'stale' });
    expect(lead.guard.released).toBe(true);
    expect(lead.signal.reason).toMatchObject({ name: 'LeadershipEndedError', kind: 'stale' });
  });

  it("the guard's signal follows the lock's loss, not the leader's own resignation (which releases it)", async () => {
    const space = new MemoryLockSpace();
    const [m1, m2] = [new MemoryLockManager({ space }), new MemoryLockManager({ space })];
    const [a, b] = [new LeaderElection(m1, 'wallet'), new LeaderElection(m2, 'wallet')];
    open.push(m1, m2, a, b);
    const first = await a.lead();
    await first.resign();
    expect(first.guard.released).toBe(true);
    expect(first.guard.signal.aborted).toBe(false);
    const second = await b.lead();
    await m2.close();
    expect(second.guard.signal.reason).toMatchObject({ name: 'LockLostError', kind: 'closed' });
  });

  it('a leadership in `await using` resigns where the engine has no Symbol.asyncDispose (the registered key polyfills use)', async () => {
    // A global Symbol like the engine's, less asyncDispose (the engine's own cannot be deleted), for a fresh import.
    const real = Symbol;
    const older = (description?: string): symbol => real(description);
    for (const key of Reflect.ownKeys(real)) if (key !== 'asyncDispose') Object.defineProperty(older, key, { value: (real as unknown as Record<PropertyKey, unknown>)[key], configurable: true });
    vi.stubGlobal('Symbol', older);
    vi.resetModules();
    let modules: [typeof import('../../src/leader.js'), typeof import('../../src/memory.js')];
    try {
      modules = await Promise.all([import('../../src/leader.js'), import('../../src/memory.js')]);
    } finally {
      vi.unstubAllGlobals();
    }
    const [{ LeaderElection: Election }, { MemoryLockManager: Manager }] = modules;
    const key = real.for('Symbol.asyncDispose');
    const manager = new Manager();
    const e = new Election(manager, 'wallet');
    open.push(manager, e);
    const lead = (await e.lead()) as unknown as Record<symbol, () => Promise<void>> & Leadership;
    expect(typeof lead[key]).toBe('function');
    expect(typeof (lead.guard as unknown as Record<symbol, unknown>)[key]).toBe('function');
    await lead[key]!();
    expect(lead.signal.reason).toMatchObject({ name: 'LeadershipEndedError', kind: 'resigned' });
    expect(e.isLeader).toBe(false);
  });

  it('lead() needs no AbortSignal.any, and leaves no listener on the caller’s signal', async () => {
    const any = Object.getOwnPropertyDescriptor(AbortSignal, 'any')!;
    Object.defineProperty(AbortSignal, 'any', { ...any, value: undefined });
    try {
      const space = new MemoryLockSpace();
      const [m1, m2] = [new MemoryLockManager({ space }), new MemoryLockManager({ space })];
      const [a, b] = [new LeaderElection(m1, 'wallet'), new LeaderElection(m2, 'wallet')];
      open.push(m1, m2, a, b);
      const first = await a.lead({ signal: new AbortController().signal });
      const controller = new AbortController();
      const waiting = b.lead({ signal: controller.signal });
      controller.abort(new Error('gave up'));
      await expect(waiting).rejects.toThrow('gave up');
      const kept = new AbortController();
      const next = b.lead({ signal: kept.signal });
      await first.resign();
      await next;
      expect(b.isLeader).toBe(true);
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
      expect(getEventListeners(kept.signal, 'abort')).toHaveLength(0);
    } finally {
      Object.defineProperty(AbortSignal, 'any', any);
    }
  });
});
