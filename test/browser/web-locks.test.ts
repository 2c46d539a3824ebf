/** WebLockManager behaviour beyond the shared contract: steal, quirks, unsupported platforms, attribution. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { deleteDB } from 'idb';
import { FencedStore } from '../../src/fenced.js';
import { WebLockManager, type LockGuard, type LockLostError } from '../../src/index.js';

const managers: WebLockManager[] = [];
function manager(): WebLockManager {
  const m = new WebLockManager({ prefix: `w${Math.random().toString(36).slice(2, 10)}` });
  managers.push(m);
  return m;
}

afterEach(async () => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  await Promise.all(managers.splice(0).map((m) => m.close()));
});

function lostReason(signal: AbortSignal): Promise<LockLostError> {
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(signal.reason as LockLostError), { once: true }));
}

describe('WebLockManager', () => {
  it('states origin scope', () => {
    const locks = manager();
    expect(locks.backend).toBe('web-locks');
    expect(locks.scope).toBe('origin');
  });

  it("steals a held lock at once; the old holder's signal aborts with LockLostError('stolen')", async () => {
    const a = manager();
    const b = new WebLockManager({ prefix: a.prefix! });
    managers.push(b);
    const victim = await a.lock('x', { timeout: Infinity });
    const lost = lostReason(victim.signal);
    const thief = await b.lock('x', { timeout: 0, steal: true });
    const reason = await lost;
    expect(reason.name).toBe('LockLostError');
    expect(reason.kind).toBe('stolen');
    expect(reason.lockName).toBe(`${a.prefix}+x`);
    expect((await a.query()).held).toEqual([expect.objectContaining({ name: 'x', clientId: b.clientId })]);
    await victim.release(); // harmless: it no longer holds anything
    expect(await a.tryLock('x')).toBeNull();
    await thief.release();
    expect(await a.tryLock('x')).not.toBeNull();
  });

  it("an unchecked withLock() holder (the fast path) is told of a steal through its signal, and its function's result still comes back", async () => {
    const a = manager();
    const b = new WebLockManager({ prefix: a.prefix! });
    managers.push(b);
    let thief: LockGuard | undefined;
    const result = await a.withLock('x', { timeout: Infinity, unchecked: true }, async (guard) => {
      const lost = lostReason(guard.signal);
      thief = await b.lock('x', { timeout: 0, steal: true, unchecked: true });
      const reason = await lost;
      return [reason.name, reason.kind, guard.released];
    });
    expect(result).toEqual(['LockLostError', 'stolen', false]); // lost, not released: withLock releases it (harmlessly) after fn
    expect((await a.query()).held).toEqual([expect.objectContaining({ name: 'x', clientId: b.clientId })]);
    await thief!.release();
    expect(await a.tryLock('x')).not.toBeNull();
  });

  it('settles on its abort even where the browser ignores it, and gives back the grant that still comes: the caller gets the reason, fn never runs', async () => {
    const locks = manager();
    const holder = new WebLockManager({ prefix: locks.prefix! });
    managers.push(holder);
    const original = navigator.locks.request.bind(navigator.locks);
    vi.spyOn(navigator.locks, 'request').mockImplementation(((name: string, options: LockOptions, callback: LockGrantedCallback<unknown>) => {
      const { signal: _ignored, ...rest } = options; // a browser that does not honour the signal
      return original(name, rest, callback);
    }) as typeof navigator.locks.request);
    const guard = await holder.lock('x', { timeout: Infinity, unchecked: true });
    const controller = new AbortController();
    let ran = false;
    const waiting = locks.withLock('x', { timeout: Infinity, signal: controller.signal, unchecked: true }, () => void (ran = true));
    await vi.waitUntil(async () => (await locks.query()).pending.length === 1);
    const reason = new Error('gave up');
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason); // while the lock is still held elsewhere
    expect((await locks.query()).pending).toHaveLength(1); // the browser still has the request
    await guard.release(); // now it grants it: given straight back
    await vi.waitUntil(async () => (await locks.query()).pending.length === 0 && (await locks.query()).held.length === 0);
    expect(ran).toBe(false);
    vi.restoreAllMocks();
    expect(await locks.tryLock('x')).not.toBeNull();
  });

  it('a steal overtaken by another steal before it could be handed out rejects with LockLostError, not a timeout', async () => {
    const a = manager();
    const b = new WebLockManager({ prefix: a.prefix! });
    managers.push(b);
    await a.lock('warm', { timeout: 0 }).then((g) => g.release()); // both ledgers loaded: the steals race evenly
    await b.lock('warm', { timeout: 0 }).then((g) => g.release());
    // Asked in the same task: a's steal is granted, then b's steals it while a's grant is being recorded.
    const first = a.lock('x', { timeout: 0, steal: true });
    const second = b.lock('x', { timeout: 0, steal: true });
    await expect(first).rejects.toMatchObject({ name: 'LockLostError', kind: 'stolen', lockName: `${a.prefix}+x` });
    const thief = await second;
    expect((await a.query()).held).toEqual([expect.objectContaining({ name: 'x', clientId: b.clientId })]);
    await thief.release();
  });

  it('a steal raises the generation, and the robbed holder is poisoned when it takes the lock again', async () => {
    const a = manager();
    const b = new WebLockManager({ prefix: a.prefix! });
    managers.push(b);
    const victim = await a.lock('x', { timeout: Infinity });
    const thief = await b.lock('x', { timeout: 0, steal: true });
    expect(thief.generation).toBeGreaterThan(victim.generation!);
    await thief.release();
    await victim.release();
    const back = await a.lock('x', { timeout: 0 });
    expect(back.poisoned).toBe(true);
    expect(back.generation).toBeGreaterThan(thief.generation!);
  });

  it('a steal within ONE manager raises the generation too, so the victim is fenced out (issue 11, item 6)', async () => {
    const locks = manager();
    const database = `steal-self-${Math.random().toString(36).slice(2)}`;
    const own = new WebLockManager({ prefix: locks.prefix!, database });
    managers.push(own);
    const store = new FencedStore<number>({ namespace: 'n', database });
    const victim = await own.lock('x', { timeout: 0 });
    const thief = await own.lock('x', { timeout: 0, steal: true });
    expect(thief.generation).toBe(victim.generation! + 1);
    await expect(store.put(victim, 'k', 1)).rejects.toMatchObject({ name: 'StaleLockError' });
    await store.put(thief, 'k', 2);
    expect(await store.get('k')).toBe(2);
    await thief.release();
    store.close();
    await own.close();
    await deleteDB(database);
  });

  it('never hands out a guard stolen while its generation was being recorded: it asks again (issue 11, item 5)', async () => {
    const a = manager();
    const b = new WebLockManager({ prefix: a.prefix! });
    managers.push(b);
    for (const m of [a, b]) await (await m.lock('warm-up', { timeout: 0 })).release(); // ledgers loaded and open
    // The moment a's ledger write is issued, b steals the lock: a's grant is gone before it is handed out.
    const put = IDBObjectStore.prototype.put;
    let thief: Promise<LockGuard> | undefined;
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      thief ??= b.lock('x', { timeout: 0, steal: true });
      return put.apply(this, args);
    });
    const victim = a.lock('x', { timeout: 5000 }).then((guard) => ({ guard, aborted: guard.signal.aborted }));
    await expect.poll(() => thief !== undefined).toBe(true);
    vi.restoreAllMocks();
    const stolen = await thief!;
    expect(stolen.signal.aborted).toBe(false);
    // a waits for b (it asked again) instead of resolving with an already-aborted guard.
    await expect.poll(async () => (await b.query()).pending.length).toBe(1);
    await stolen.release();
    const { guard, aborted } = await victim;
    expect(aborted).toBe(false);
    expect(guard.generation).toBeGreaterThan(stolen.generation!);
    await guard.release();
  });

  it('does one IndexedDB transaction per checked grant and none for an unchecked one', async () => {
    const locks = manager();
    await (await locks.lock('warm-up', { timeout: 0 })).release(); // opens the ledger's database
    const transaction = vi.spyOn(IDBDatabase.prototype, 'transaction');
    for (let i = 0; i < 5; i++) await (await locks.lock('x', { timeout: 0 })).release();
    expect(transaction).toHaveBeenCalledTimes(5);
    transaction.mockClear();
    for (let i = 0; i < 5; i++) await (await locks.lock('x', { timeout: 0, unchecked: true })).release();
    await (await locks.tryLock('x', { unchecked: true }))!.release();
    expect(transaction).not.toHaveBeenCalled();
  });

  it('gives the lock back and fails with the StorageError when the ledger cannot be written', async () => {
    const locks = manager();
    await (await locks.lock('warm-up', { timeout: 0 })).release();
    const put = vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(() => {
      throw new DOMException('full', 'QuotaExceededError');
    });
    await expect(locks.lock('x', { timeout: 1000 })).rejects.toMatchObject({ name: 'StorageError', kind: 'quota' });
    put.mockRestore();
    expect(await locks.tryLock('x', { unchecked: true })).not.toBeNull();
  });

  it('rejects the steal combinations the spec forbids, before asking the browser', async () => {
    const locks = manager();
    const request = vi.spyOn(navigator.locks, 'request');
    const bad = [
      { timeout: 0, steal: 'yes' },
      { timeout: 0, steal: true, mode: 'shared' },
      { timeout: 10, steal: true, signal: new AbortController().signal },
      { timeout: 10, steal: true },
      { timeout: Infinity, steal: true },
    ];
    for (const options of bad) {
      await expect(locks.lock('x', options as never)).rejects.toMatchObject({ name: 'InvalidOptionError', option: 'steal' });
    }
    await expect(locks.tryLock('x', { steal: true } as never)).rejects.toMatchObject({ name: 'InvalidOptionError' });
    expect(request).not.toHaveBeenCalled();
    await (await locks.lock('x', { timeout: 0, steal: false })).release();
  });

  /** Wraps navigator.locks.request so a test can tell whether code ran inside the browser's grant callback. */
  function watchCallbacks(): { readonly inside: () => boolean } {
    const original = navigator.locks.request.bind(navigator.locks);
    let depth = 0;
    vi.spyOn(navigator.locks, 'request').mockImplementation(((name: string, options: LockOptions, callback: LockGrantedCallback<unknown>) =>
      original(name, options, (lock) => {
        depth++;
        try {
          return callback(lock);
        } finally {
          depth--;
        }
      })) as typeof navigator.locks.request);
    return { inside: () => depth > 0 };
  }

  it("withLock's function starts inside the browser's grant callback (issue 17: the fast path), uncontended and contended", async () => {
    const locks = manager();
    const watch = watchCallbacks();
    const seen: boolean[] = [];
    await locks.withLock('x', { timeout: Infinity, unchecked: true }, () => void seen.push(watch.inside()));
    await locks.withLock('x', { timeout: 0, unchecked: true }, () => void seen.push(watch.inside()));
    const holder = await locks.lock('x', { timeout: Infinity });
    const waiting = locks.withLock('x', { timeout: 1000, unchecked: true, signal: new AbortController().signal }, () => void seen.push(watch.inside()));
    await holder.release();
    await waiting;
    // lock() hands its guard out later, as a promise must; a checked withLock() starts once its generation is recorded.
    const guard = await locks.lock('x', { timeout: Infinity, unchecked: true });
    seen.push(watch.inside());
    await guard.release();
    expect(seen).toEqual([true, true, true, false]);
    expect(await locks.withLock('x', { timeout: Infinity }, (g) => g.generation)).toEqual(expect.any(Number));
  });

  it('a function started inside the grant keeps its lock when it aborts its own signal or the timeout passes; close() still takes it back', async () => {
    const locks = manager();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const timed = await locks.withLock('x', { timeout: 50, unchecked: true }, async (guard) => {
      await vi.advanceTimersByTimeAsync(100); // past the timeout
      return [guard.released, guard.signal.aborted];
    });
    vi.useRealTimers();
    expect(timed).toEqual([false, false]);
    const controller = new AbortController();
    let probe: LockGuard | undefined;
    const result = await locks.withLock('x', { timeout: Infinity, signal: controller.signal, unchecked: true }, async (guard) => {
      controller.abort(new Error('after the grant'));
      await Promise.resolve();
      probe = guard;
      return [guard.released, guard.signal.aborted];
    });
    expect(result).toEqual([false, false]);
    expect(probe!.released).toBe(true);
    const inside = locks.withLock('y', { timeout: Infinity, unchecked: true }, async (guard) => {
      await locks.close();
      return (guard.signal.reason as LockLostError).kind;
    });
    expect(await inside).toBe('closed');
  });

  it('asks again when the browser hands a waiting request a null lock, and gives up if it keeps doing so', async () => {
    const locks = manager();
    const original = navigator.locks.request.bind(navigator.locks);
    let nulls = 1;
    vi.spyOn(navigator.locks, 'request').mockImplementation(((name: string, options: LockOptions, callback: LockGrantedCallback<unknown>) => {
      if (nulls > 0 && !options.ifAvailable) {
        nulls--;
        return Promise.resolve(callback(null));
      }
      return original(name, options, callback);
    }) as typeof navigator.locks.request);
    const guard = await locks.lock('x', { timeout: 1000 });
    expect(guard.name).toBe('x');
    await guard.release();

    nulls = 1; // the fast path of an unchecked withLock() asks again the same way
    expect(await locks.withLock('x', { timeout: 1000, unchecked: true }, (g) => g.name)).toBe('x');
    expect(nulls).toBe(0);

    nulls = Infinity;
    await expect(locks.lock('y', { timeout: 1000 })).rejects.toMatchObject({ name: 'UnsupportedError' });
    await expect(locks.withLock('y', { timeout: 1000, unchecked: true }, () => 1)).rejects.toMatchObject({ name: 'UnsupportedError' });
  });

  it('asks again when the browser drops a grant it could not call back (a frozen page: "callback is no longer runnable")', async () => {
    const locks = manager();
    const original = navigator.locks.request.bind(navigator.locks);
    let drops = 1;
    vi.spyOn(navigator.locks, 'request').mockImplementation(((name: string, options: LockOptions, callback: LockGrantedCallback<unknown>) => {
      if (drops > 0 && !options.ifAvailable) {
        drops--;
        // What Blink does when the callback's context is paused: the request's promise rejects with a plain Error.
        return Promise.reject(new Error("Failed to execute 'request' on 'LockManager': The provided callback is no longer runnable."));
      }
      return original(name, options, callback);
    }) as typeof navigator.locks.request);
    const guard = await locks.lock('x', { timeout: 1000 });
    expect(guard.name).toBe('x');
    await guard.release();
    drops = 1; // the fast path of an unchecked withLock() asks again the same way
    expect(await locks.withLock('x', { timeout: 1000, unchecked: true }, (g) => g.name)).toBe('x');
    expect(drops).toBe(0);
    // A steal is not repeated (it was decided at one moment): not acquired, and the holder keeps the lock.
    drops = 1;
    const other = new WebLockManager({ prefix: locks.prefix! });
    managers.push(other);
    const victim = await other.lock('s', { timeout: 0 });
    await expect(locks.lock('s', { timeout: 0, steal: true })).rejects.toMatchObject({ name: 'LockTimeoutError' });
    expect(victim.signal.aborted).toBe(false);
    await victim.release();
    drops = Infinity;
    await expect(locks.lock('y', { timeout: 1000 })).rejects.toMatchObject({ name: 'UnsupportedError' });
    await expect(locks.withLock('y', { timeout: 1000, unchecked: true }, () => 1)).rejects.toMatchObject({ name: 'UnsupportedError' });
  });

  it('passes any other error of navigator.locks through, unretried', async () => {
    const locks = manager();
    const refused = new DOMException('opaque origin', 'SecurityError');
    const request = vi.spyOn(navigator.locks, 'request').mockImplementation((() => Promise.reject(refused)) as typeof navigator.locks.request);
    await expect(locks.lock('x', { timeout: 1000 })).rejects.toBe(refused);
    expect(request).toHaveBeenCalledTimes(1);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    await expect(locks.withLock('x', { timeout: 1000, unchecked: true }, () => 1)).rejects.toBe(refused);
    expect(request).toHaveBeenCalledTimes(2);
    expect(vi.getTimerCount()).toBe(0); // the wait's timer went with it
  });

  it('names holders by manager in this tab and by browser client elsewhere', async () => {
    const a = manager();
    const b = new WebLockManager({ prefix: a.prefix! });
    managers.push(b);
    await a.lock('x', { timeout: Infinity });
    await b.lock('y', { timeout: Infinity, mode: 'shared' });
    let releaseRaw!: () => void;
    await new Promise<void>((held) => {
      void navigator.locks.request(`${a.prefix}+z`, () => (held(), new Promise<void>((r) => (releaseRaw = r))));
    });
    const { held } = await a.query();
    const byName = Object.fromEntries(held.map((l) => [l.name, l.clientId]));
    expect(byName.x).toBe(a.clientId);
    expect(byName.y).toBe(b.clientId);
    expect(byName.z).toMatch(/./);
    expect([a.clientId, b.clientId]).not.toContain(byName.z);
    releaseRaw();
  });
});

describe('WebLockManager names', () => {
  it('a Web Lock an old tab holds under the dotted full name is no lock of the new encoding, prefixed or not', async () => {
    const p = `w${Math.random().toString(36).slice(2, 10)}`;
    let releaseRaw!: () => void;
    await new Promise<void>((held) => {
      // What crosslock before the "+" encoding asked for: prefix "<p>" + "savings.sync", or "<p>.savings" + "sync".
      void navigator.locks.request(`${p}.savings.sync`, () => (held(), new Promise<void>((r) => (releaseRaw = r))));
    });
    const bare = new WebLockManager();
    const outer = new WebLockManager({ prefix: p });
    const inner = new WebLockManager({ prefix: `${p}.savings` });
    managers.push(bare, outer, inner);
    for (const [m, name] of [
      [bare, `${p}.savings.sync`],
      [outer, 'savings.sync'],
      [inner, 'sync'],
    ] as const) {
      const guard = await m.tryLock(name);
      expect(guard, `${m.prefix ?? '(no prefix)'} / ${name}`).not.toBeNull();
      await guard!.release();
    }
    for (const m of [bare, outer, inner]) expect((await m.query()).held.filter((l) => l.name.includes(p) || l.name === 'sync' || l.name === 'savings.sync')).toEqual([]);
    releaseRaw();
  });
});

describe('Chromium Web Locks deviation (raw navigator.locks, no crosslock)', () => {
  it('leaves a shared waiter queued behind an aborted exclusive waiter until the lock is free', async () => {
    const name = `raw-${Math.random().toString(36).slice(2)}`;
    let releaseHolder!: () => void;
    await new Promise<void>((held) => {
      void navigator.locks.request(name, { mode: 'shared' }, () => (held(), new Promise<void>((r) => (releaseHolder = r))));
    });
    const abort = new AbortController();
    const writer = navigator.locks.request(name, { signal: abort.signal }, () => {});
    writer.catch(() => {});
    let granted = false;
    const reader = navigator.locks.request(name, { mode: 'shared' }, () => {
      granted = true;
    });
    await navigator.locks.query();
    abort.abort();
    await expect(writer).rejects.toMatchObject({ name: 'AbortError' });
    const state = await navigator.locks.query();
    expect(state.pending?.filter((p) => p.name === name)).toHaveLength(1);
    // Spec: granted now (nothing exclusive is held or queued ahead). Chromium 156: still waiting.
    expect(granted).toBe(false);
    releaseHolder();
    await reader;
    expect(granted).toBe(true);
  });
});

describe('WebLockManager where navigator.locks is missing', () => {
  it('fails construction with UnsupportedError naming the reason', () => {
    const descriptor = Object.getOwnPropertyDescriptor(Navigator.prototype, 'locks')!;
    Object.defineProperty(Navigator.prototype, 'locks', { configurable: true, get: () => undefined });
    try {
      expect(() => new WebLockManager()).toThrow(expect.objectContaining({ name: 'UnsupportedError', message: expect.stringMatching(/too old for Web Locks/) }));
      vi.stubGlobal('isSecureContext', false);
      expect(() => new WebLockManager()).toThrow(expect.objectContaining({ name: 'UnsupportedError', message: expect.stringMatching(/not a secure context/) }));
    } finally {
      vi.unstubAllGlobals();
      Object.defineProperty(Navigator.prototype, 'locks', descriptor);
    }
    expect(new WebLockManager().scope).toBe('origin');
  });
});
