import { describe, expect, it } from 'vitest';
import { track, untilPending, type TestContext } from './harness.js';

export function abortCases(t: TestContext): void {
  describe('abort', () => {
    it('rejects at once with the reason of an already-aborted signal, and takes nothing', async () => {
      const locks = t.manager();
      const reason = new Error('already gone');
      for (const timeout of [Infinity, 1000, 0]) {
        await expect(locks.lock('x', { timeout, signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
        await expect(locks.withLock('x', { timeout, signal: AbortSignal.abort(reason) }, () => 1)).rejects.toBe(reason);
      }
      expect(await locks.query()).toEqual({ held: [], pending: [] });
    });

    it('rejects a waiter with signal.reason when aborted, and removes it from the queue', async () => {
      const locks = t.manager();
      await locks.lock('x', { timeout: Infinity });
      const controller = new AbortController();
      const waiter = track(locks.lock('x', { timeout: Infinity, signal: controller.signal }));
      await untilPending(locks, 'x', 1);
      const reason = { why: 'user left' };
      controller.abort(reason);
      await expect(waiter.promise).rejects.toBe(reason);
      expect((await locks.query()).pending).toEqual([]);
    });

    it('never gives the lock to an aborted waiter later', async () => {
      const a = t.manager();
      const b = t.manager();
      const guard = await a.lock('x', { timeout: Infinity });
      const controller = new AbortController();
      const waiter = b.lock('x', { timeout: Infinity, signal: controller.signal });
      await untilPending(a, 'x', 1);
      controller.abort();
      await waiter.catch(() => {});
      await guard.release();
      const next = await a.tryLock('x');
      expect(next).not.toBeNull();
      expect((await a.query()).held).toEqual([expect.objectContaining({ clientId: a.clientId })]);
    });

    it('rejects with an AbortError when the signal is aborted without a reason', async () => {
      const locks = t.manager();
      await locks.lock('x', { timeout: Infinity });
      const controller = new AbortController();
      const waiter = locks.lock('x', { timeout: Infinity, signal: controller.signal });
      await untilPending(locks, 'x', 1);
      controller.abort();
      await expect(waiter).rejects.toMatchObject({ name: 'AbortError' });
    });

    it('does not take a granted lock away when the signal aborts afterwards', async () => {
      const a = t.manager();
      const b = t.manager();
      const controller = new AbortController();
      const guard = await a.lock('x', { timeout: Infinity, signal: controller.signal });
      controller.abort();
      expect(guard.signal.aborted).toBe(false);
      expect(guard.released).toBe(false);
      expect(await b.tryLock('x')).toBeNull();
    });
  });
}
