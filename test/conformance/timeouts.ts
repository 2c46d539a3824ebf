import { describe, expect, it, vi } from 'vitest';
import type { LockTimeoutError } from '../../src/index.js';
import { countListeners, fakeTimers, rejectsWith, track, untilPending, type TestContext } from './harness.js';

export function timeoutCases(t: TestContext): void {
  describe('timeouts', () => {
    it('rejects with LockTimeoutError once the timeout passes, saying which lock, how long and who holds it', async () => {
      const holder = t.manager();
      const waiter = t.manager();
      await holder.lock('x', { timeout: Infinity });
      fakeTimers();
      const attempt = track(waiter.lock('x', { timeout: 1000 }));
      await untilPending(waiter, 'x', 1);
      await vi.advanceTimersByTimeAsync(999);
      expect(attempt.settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      const error = (await rejectsWith(attempt.promise, 'LockTimeoutError')) as LockTimeoutError;
      expect(error).toBeInstanceOf(Error);
      expect(error.timeout).toBe(1000);
      expect(error.lockName).toBe(`${t.prefix}+x`);
      expect(error.message).toContain(`"${t.prefix}+x"`);
      expect(error.message).toContain('1000 ms');
      expect(error.message).toContain(holder.clientId);
    });

    it('makes one attempt with timeout 0: a free lock is taken, a held one rejects at once', async () => {
      const locks = t.manager();
      fakeTimers();
      const guard = await locks.lock('x', { timeout: 0 });
      await rejectsWith(locks.lock('x', { timeout: 0 }), 'LockTimeoutError');
      expect(vi.getTimerCount()).toBe(0);
      expect((await locks.query()).pending).toEqual([]);
      await guard.release();
    });

    it('waits for ever with timeout Infinity, and arms no timeout timer for it', async () => {
      const locks = t.manager();
      const guard = await locks.lock('x', { timeout: Infinity });
      fakeTimers();
      const waiter = track(locks.lock('x', { timeout: Infinity }));
      await untilPending(locks, 'x', 1);
      if (!t.backend.pollsWhileWaiting) expect(vi.getTimerCount()).toBe(0);
      await vi.advanceTimersByTimeAsync(2 ** 31);
      expect(waiter.settled).toBe(false);
      await guard.release();
      expect((await waiter.promise).name).toBe('x');
    });

    it("honours a timeout longer than setTimeout's 24.8-day limit", async () => {
      const locks = t.manager();
      await locks.lock('x', { timeout: Infinity });
      fakeTimers();
      const waiter = track(locks.lock('x', { timeout: 2 ** 31 + 5000 }));
      await untilPending(locks, 'x', 1);
      await vi.advanceTimersByTimeAsync(2 ** 31);
      expect(waiter.settled).toBe(false);
      await vi.advanceTimersByTimeAsync(5000);
      await rejectsWith(waiter.promise, 'LockTimeoutError');
    });

    it('leaves no trace of a timed-out waiter: the next release goes to the next waiter', async () => {
      const locks = t.manager();
      const first = await locks.lock('x', { timeout: Infinity });
      fakeTimers();
      const impatient = track(locks.lock('x', { timeout: 50 }));
      await untilPending(locks, 'x', 1);
      const patient = track(locks.lock('x', { timeout: Infinity }));
      await untilPending(locks, 'x', 2);
      await vi.advanceTimersByTimeAsync(50);
      await rejectsWith(impatient.promise, 'LockTimeoutError');
      const { pending } = await locks.query();
      expect(pending).toHaveLength(1);
      await first.release();
      expect((await patient.promise).name).toBe('x');
    });

    it('leaves no timer and no abort listener behind, whether granted or timed out', async () => {
      const locks = t.manager();
      const controller = new AbortController();
      const listeners = countListeners(controller.signal);
      fakeTimers();
      const first = await locks.lock('x', { timeout: 10_000, signal: controller.signal });
      const waiter = track(locks.lock('x', { timeout: 10_000, signal: controller.signal }));
      await untilPending(locks, 'x', 1);
      expect(vi.getTimerCount()).toBeGreaterThanOrEqual(1); // the timeout (a lease backend adds its retry timer)
      await first.release();
      const second = await waiter.promise;
      const late = track(locks.lock('x', { timeout: 100, signal: controller.signal }));
      await untilPending(locks, 'x', 1);
      await vi.advanceTimersByTimeAsync(100);
      await rejectsWith(late.promise, 'LockTimeoutError');
      await second.release();
      expect(vi.getTimerCount()).toBe(0);
      expect(listeners.added).toBeGreaterThan(0);
      expect(listeners.removed).toBe(listeners.added);
    });
  });
}
