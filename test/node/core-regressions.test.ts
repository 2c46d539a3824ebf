/**
 * Behaviour of the backend-independent core that a demanding user relies on (issue 11, items 7, 8):
 * a timeout fires on time even when naming the holders would take for ever; a failed release never
 * replaces what `withLock`'s function returned or threw, and is reported as a 'warning' event.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AcquireRequest, Grant } from '../../src/core/grant.js';
import { TIMEOUT_DECORATION_MS } from '../../src/core/manager.js';
import type { LockSnapshot } from '../../src/index.js';
import { MemoryLockManager, MemoryLockSpace } from '../../src/memory.js';

/** A memory manager whose `query()` never answers (a stalled store, a chunk that never loads). */
class StalledSnapshot extends MemoryLockManager {
  protected override snapshot(): Promise<LockSnapshot> {
    return new Promise(() => {});
  }
}

/** A memory manager whose releases fail (storage gone) after really releasing. */
class FailingRelease extends MemoryLockManager {
  protected override async acquire(request: AcquireRequest): Promise<Grant | null> {
    const grant = await super.acquire(request);
    return grant && { ...grant, release: () => grant.release().then(() => Promise.reject(new Error('storage went away'))) };
  }
}

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('issue 11 item 7: a timeout fires on time', () => {
  it('rejects with LockTimeoutError within the decoration budget when the holders cannot be named', async () => {
    const space = new MemoryLockSpace();
    const holder = new StalledSnapshot({ space });
    const waiter = new StalledSnapshot({ space });
    await holder.lock('x', { timeout: 0 });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let outcome: unknown;
    waiter.lock('x', { timeout: 100 }).catch((error: unknown) => (outcome = error));
    await vi.advanceTimersByTimeAsync(100);
    expect(outcome).toBeUndefined(); // naming the holders may take the budget, no more
    await vi.advanceTimersByTimeAsync(TIMEOUT_DECORATION_MS);
    expect(outcome).toMatchObject({ name: 'LockTimeoutError', timeout: 100, holders: [] });
    expect(vi.getTimerCount()).toBe(0);
    const once = waiter.lock('x', { timeout: 0 }).catch((e: Error) => e.name); // timeout 0: the same budget
    await vi.advanceTimersByTimeAsync(TIMEOUT_DECORATION_MS);
    await expect(once).resolves.toBe('LockTimeoutError');
  });
});

/** A memory manager whose grants, once made, take `recordMs` more to hand out, deaf to the signal (a Web Lock granted, its generation being written to an IndexedDB held up by a paused tab). */
class SlowRecord extends MemoryLockManager {
  recordMs = 1000;
  protected override async acquire(request: AcquireRequest): Promise<Grant | null> {
    const grant = await super.acquire(request);
    if (this.recordMs > 0) await new Promise((resolve) => setTimeout(resolve, this.recordMs));
    return grant;
  }
}

describe('a waiting lock() settles on its timeout even while its grant is being recorded', () => {
  it('rejects with LockTimeoutError on time (within the decoration budget), and releases the grant that arrives late', async () => {
    const space = new MemoryLockSpace();
    const locks = new SlowRecord({ space });
    const other = new MemoryLockManager({ space });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let outcome: unknown;
    locks.lock('x', { timeout: 100 }).catch((error: unknown) => (outcome = error));
    await vi.advanceTimersByTimeAsync(100 + TIMEOUT_DECORATION_MS);
    expect(outcome).toMatchObject({ name: 'LockTimeoutError', timeout: 100 });
    expect(await other.tryLock('x')).toBeNull(); // the late grant is still being recorded
    await vi.advanceTimersByTimeAsync(1000);
    const after = await other.tryLock('x');
    expect(after).not.toBeNull(); // ...and was released as soon as it arrived
    await after!.release();
    // An abort, likewise.
    const controller = new AbortController();
    const aborted = locks.lock('x', { timeout: Infinity, signal: controller.signal }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(10);
    controller.abort(new Error('no'));
    expect(await aborted).toMatchObject({ message: 'no' });
    await vi.advanceTimersByTimeAsync(1000);
    expect(await other.tryLock('x')).not.toBeNull();
  });

  it("a grant that arrived after its lock() gave up does not count as seen: the next grant is poisoned", async () => {
    const locks = new SlowRecord({ space: new MemoryLockSpace() });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const timedOut = locks.lock('y', { timeout: 100 }).catch((e: Error) => e.name);
    await vi.advanceTimersByTimeAsync(100 + TIMEOUT_DECORATION_MS);
    expect(await timedOut).toBe('LockTimeoutError');
    await vi.advanceTimersByTimeAsync(1000); // the late grant arrives, and is released unseen
    locks.recordMs = 0;
    // Nobody else held 'y': the generation did not move, yet this manager never saw that grant's lock.
    const next = await locks.lock('y', { timeout: 0 });
    expect(next.poisoned).toBe(true);
    await next.release();
    expect((await locks.lock('y', { timeout: 0 })).poisoned).toBe(false);
  });
});

describe('issue 11 item 8: a failed release does not replace the result', () => {
  it("resolves with fn's result and reports the failure as a 'warning' event", async () => {
    const locks = new FailingRelease({ space: new MemoryLockSpace() });
    const warnings: Array<{ kind: string; lockName: string; cause: unknown }> = [];
    locks.addEventListener('warning', (event) => {
      event.preventDefault();
      warnings.push(event.warning as never);
    });
    const console = vi.spyOn(globalThis.console, 'warn');
    await expect(locks.withLock('tx', { timeout: 0 }, () => 'broadcast')).resolves.toBe('broadcast');
    expect(warnings).toEqual([expect.objectContaining({ name: 'LockWarning', kind: 'release-failed', lockName: '+tx', cause: expect.objectContaining({ message: 'storage went away' }) })]);
    expect(console).not.toHaveBeenCalled(); // prevented
    expect(await locks.tryLock('tx')).not.toBeNull(); // the lock really is free
  });

  it("rethrows fn's own error, not the release's, and warns on the console when nobody handles the event", async () => {
    const locks = new FailingRelease({ space: new MemoryLockSpace() });
    const console = vi.spyOn(globalThis.console, 'warn').mockImplementation(() => {});
    const thrown = new Error('signing failed');
    await expect(locks.withLock('tx', { timeout: 0 }, () => Promise.reject(thrown))).rejects.toBe(thrown);
    expect(console).toHaveBeenCalledWith(expect.objectContaining({ name: 'LockWarning', kind: 'release-failed' }));
  });

  it('still rejects a direct release() with the failure: only withLock keeps the result', async () => {
    const locks = new FailingRelease({ space: new MemoryLockSpace() });
    const guard = await locks.lock('tx', { timeout: 0 });
    await expect(guard.release()).rejects.toThrow('storage went away');
  });
});
