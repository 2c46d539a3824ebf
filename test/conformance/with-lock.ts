/**
 * `withLock()` while it waits, checked and unchecked: the Web Locks backend runs an unchecked one that
 * waits on its own fast path (issue 17: the function starts inside the browser's grant callback), every
 * other call on the general path. Both must keep the contract alike, on every backend.
 */
import { describe, expect, it, vi } from 'vitest';
import type { LockGuard, LockLostError, LockTimeoutError } from '../../src/index.js';
import { countListeners, fakeTimers, rejectsWith, track, untilHeld, untilPending, type TestContext } from './harness.js';

export function withLockCases(t: TestContext): void {
  describe.each([
    ['checked', false],
    ['unchecked', true],
  ])('withLock while waiting (%s)', (_, unchecked) => {
    it('waits for the holder, runs fn once it lets go, returns its result and frees the lock', async () => {
      const holder = t.manager();
      const locks = t.manager();
      const guard = await holder.lock('x', { timeout: Infinity });
      let ran = 0;
      const waiting = track(
        locks.withLock('x', { timeout: 5000, unchecked }, async (g) => {
          ran++;
          expect([g.name, g.mode, g.released, g.signal.aborted]).toEqual(['x', 'exclusive', false, false]);
          expect(g.generation === undefined).toBe(unchecked);
          expect((await locks.query()).held).toEqual([expect.objectContaining({ name: 'x', clientId: locks.clientId })]);
          return 'done';
        }),
      );
      await untilPending(holder, 'x', 1);
      expect(ran).toBe(0);
      await guard.release();
      expect(await waiting.promise).toBe('done');
      expect(ran).toBe(1);
      expect(await locks.query()).toEqual({ held: [], pending: [] });
      expect(await holder.tryLock('x')).not.toBeNull();
    });

    it('rejects fn’s very error after releasing, and a sync result or throw works alike', async () => {
      const locks = t.manager();
      const boom = new Error('boom');
      await expect(locks.withLock('x', { timeout: Infinity, unchecked }, () => 7)).resolves.toBe(7);
      await expect(
        locks.withLock('x', { timeout: Infinity, unchecked }, () => {
          throw boom;
        }),
      ).rejects.toBe(boom);
      await expect(locks.withLock('x', { timeout: 1000, unchecked }, () => Promise.reject(boom))).rejects.toBe(boom);
      expect(await locks.tryLock('x')).not.toBeNull();
    });

    it('times out with LockTimeoutError naming the holder; fn never runs and nothing is left queued', async () => {
      const holder = t.manager();
      const locks = t.manager();
      const guard = await holder.lock('x', { timeout: Infinity });
      fakeTimers();
      let ran = false;
      const waiting = track(locks.withLock('x', { timeout: 1000, unchecked }, () => void (ran = true)));
      await untilPending(holder, 'x', 1);
      await vi.advanceTimersByTimeAsync(999);
      expect(waiting.settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      const error = (await rejectsWith(waiting.promise, 'LockTimeoutError')) as LockTimeoutError;
      expect([error.lockName, error.timeout]).toEqual([`${t.prefix}+x`, 1000]);
      expect(error.message).toContain(holder.clientId);
      vi.useRealTimers();
      expect((await holder.query()).pending).toEqual([]);
      await guard.release();
      expect(ran).toBe(false);
      expect(await locks.tryLock('x')).not.toBeNull();
    });

    it("rejects with the signal's reason when the caller aborts the wait, and close() rejects a waiter with ManagerClosedError", async () => {
      const holder = t.manager();
      const locks = t.manager();
      const guard = await holder.lock('x', { timeout: Infinity });
      const controller = new AbortController();
      let ran = false;
      const aborted = track(locks.withLock('x', { timeout: Infinity, signal: controller.signal, unchecked }, () => void (ran = true)));
      await untilPending(holder, 'x', 1);
      const reason = { why: 'user left' };
      controller.abort(reason);
      await expect(aborted.promise).rejects.toBe(reason);
      const closed = track(locks.withLock('x', { timeout: Infinity, unchecked }, () => void (ran = true)));
      await untilPending(holder, 'x', 1);
      await locks.close();
      await rejectsWith(closed.promise, 'ManagerClosedError');
      expect((await holder.query()).pending).toEqual([]);
      await guard.release();
      expect(ran).toBe(false);
    });

    it("an early guard.release() frees the lock while fn goes on; fn's result still comes back", async () => {
      const locks = t.manager();
      const other = t.manager();
      const result = await locks.withLock('x', { timeout: Infinity, unchecked }, async (guard) => {
        await guard.release();
        expect(guard.released).toBe(true);
        const next = await other.tryLock('x');
        expect(next).not.toBeNull();
        await next!.release();
        return 'after';
      });
      expect(result).toBe('after');
    });

    it("close() while fn runs aborts the guard's signal (closed) and frees the lock; fn's result still comes back", async () => {
      const locks = t.manager();
      const other = t.manager();
      let seen: LockGuard | undefined;
      const result = await locks.withLock('x', { timeout: 1000, unchecked }, async (guard) => {
        seen = guard;
        await locks.close();
        return (guard.signal.reason as LockLostError).kind;
      });
      expect(result).toBe('closed');
      expect(seen!.released).toBe(true);
      expect(await other.tryLock('x')).not.toBeNull();
    });

    it('with timeout 0 runs fn at once on a free lock, and on a held one rejects with LockTimeoutError naming the holder, fn not run', async () => {
      const holder = t.manager();
      const locks = t.manager();
      expect(await locks.withLock('x', { timeout: 0, unchecked }, (g) => g.name)).toBe('x');
      const guard = await holder.lock('x', { timeout: Infinity });
      let ran = false;
      const error = (await rejectsWith(
        locks.withLock('x', { timeout: 0, unchecked }, () => void (ran = true)),
        'LockTimeoutError',
      )) as LockTimeoutError;
      expect([error.timeout, error.message.includes(holder.clientId), ran]).toEqual([0, true, false]);
      expect((await holder.query()).pending).toEqual([]);
      await guard.release();
    });

    it("leaves no timer and no listener on the caller's signal behind once fn starts", async () => {
      const holder = t.manager();
      const locks = t.manager();
      const guard = await holder.lock('x', { timeout: Infinity });
      fakeTimers();
      const controller = new AbortController();
      const listeners = countListeners(controller.signal);
      let inside: [number, number] | undefined;
      const waiting = locks.withLock('x', { timeout: 60_000, signal: controller.signal, unchecked }, () => {
        inside = [vi.getTimerCount(), listeners.added - listeners.removed];
      });
      await untilPending(holder, 'x', 1);
      await guard.release();
      await waiting;
      // Lease backends keep their own renewal timer while a lock is held: none of the wait's is left.
      expect(inside![1]).toBe(0);
      if (!t.backend.pollsWhileWaiting) expect(inside![0]).toBe(0);
      expect(listeners.added).toBeGreaterThan(0);
    });

    it('runs shared holders together and an exclusive one after them', async () => {
      const locks = t.manager();
      const order: string[] = [];
      let letGo!: () => void;
      const gate = new Promise<void>((r) => (letGo = r));
      const first = locks.withLock('x', { timeout: Infinity, mode: 'shared', unchecked }, async () => {
        order.push('shared 1');
        await gate;
      });
      await untilHeld(locks, 'x', 1);
      const second = locks.withLock('x', { timeout: Infinity, mode: 'shared', unchecked }, async () => {
        order.push('shared 2');
        await gate;
      });
      await untilHeld(locks, 'x', 2);
      const exclusive = locks.withLock('x', { timeout: Infinity, unchecked }, () => void order.push('exclusive'));
      await untilPending(locks, 'x', 1);
      letGo();
      await Promise.all([first, second, exclusive]);
      expect(order).toEqual(['shared 1', 'shared 2', 'exclusive']);
    });
  });
}
