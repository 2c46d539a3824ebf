import { describe, expect, it } from 'vitest';
import type { LockLostError } from '../../src/index.js';
import { rejectsWith, untilPending, type TestContext } from './harness.js';

export function closeCases(t: TestContext): void {
  describe('close', () => {
    it('rejects pending waiters and every later call with ManagerClosedError', async () => {
      const holder = t.manager();
      const locks = t.manager();
      await holder.lock('x', { timeout: Infinity });
      const waiter = locks.lock('x', { timeout: Infinity });
      await untilPending(holder, 'x', 1);
      const rejected = rejectsWith(waiter, 'ManagerClosedError');
      await locks.close(); // resolves once the waiter's place is out of the store, so after the rejection
      await rejected;
      await rejectsWith(locks.lock('y', { timeout: Infinity }), 'ManagerClosedError');
      await rejectsWith(locks.tryLock('y'), 'ManagerClosedError');
      await rejectsWith(locks.withLock('y', { timeout: 0 }, () => 1), 'ManagerClosedError');
      expect((await holder.query()).pending).toEqual([]);
    });

    it("aborts held guards' signals with LockLostError and frees their locks", async () => {
      const locks = t.manager();
      const other = t.manager();
      const guard = await locks.lock('x', { timeout: Infinity });
      const shared = await locks.lock('r', { timeout: Infinity, mode: 'shared' });
      await locks.close();
      for (const g of [guard, shared]) {
        expect(g.signal.aborted).toBe(true);
        const reason = g.signal.reason as LockLostError;
        expect(reason.name).toBe('LockLostError');
        expect(reason.kind).toBe('closed');
        expect(g.released).toBe(true);
      }
      expect(await other.tryLock('x')).not.toBeNull();
      expect(await other.tryLock('r')).not.toBeNull();
    });

    it('is idempotent, and releasing a guard after close is harmless', async () => {
      const locks = t.manager();
      const guard = await locks.lock('x', { timeout: Infinity });
      const closing = locks.close();
      expect(locks.close()).toBe(closing);
      await closing;
      await guard.release();
      await guard.release();
      expect(await t.manager().tryLock('x')).not.toBeNull();
    });

    it('leaves guards released before close untouched', async () => {
      const locks = t.manager();
      const guard = await locks.lock('x', { timeout: Infinity });
      await guard.release();
      await locks.close();
      expect(guard.signal.aborted).toBe(false);
    });
  });
}
