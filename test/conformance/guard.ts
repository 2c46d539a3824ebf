import { describe, expect, it } from 'vitest';
import type { LockGuard } from '../../src/index.js';
import { track, untilPending, type TestContext } from './harness.js';

export function guardCases(t: TestContext): void {
  describe('guard', () => {
    it('releases idempotently: a second release never frees the next holder', async () => {
      const a = t.manager();
      const b = t.manager();
      const first = await a.lock('x', { timeout: Infinity });
      const waiter = track(b.lock('x', { timeout: Infinity }));
      await untilPending(a, 'x', 1);
      const released = first.release();
      expect(first.release()).toBe(released);
      await released;
      expect(first.released).toBe(true);
      const second = await waiter.promise;
      await first.release();
      expect(await a.tryLock('x')).toBeNull();
      expect((await a.query()).held).toEqual([expect.objectContaining({ clientId: b.clientId })]);
      await second.release();
    });

    it('keeps its signal unaborted through a normal hold and release', async () => {
      const locks = t.manager();
      const guard = await locks.lock('x', { timeout: Infinity });
      await guard.release();
      expect(guard.signal.aborted).toBe(false);
    });

    it('is released at the end of an `await using` block', async () => {
      const locks = t.manager();
      let inside: LockGuard | undefined;
      {
        await using guard = await locks.lock('x', { timeout: Infinity });
        inside = guard;
        expect(await locks.tryLock('x')).toBeNull();
      }
      expect(inside.released).toBe(true);
      const after = await locks.tryLock('x');
      expect(after).not.toBeNull();
    });

    it('is released when an `await using` block throws', async () => {
      const locks = t.manager();
      const failing = async (): Promise<void> => {
        await using _guard = await locks.lock('x', { timeout: Infinity });
        throw new Error('boom');
      };
      await expect(failing()).rejects.toThrow('boom');
      expect(await locks.tryLock('x')).not.toBeNull();
    });
  });

  describe('withLock', () => {
    it("returns fn's result and releases afterwards", async () => {
      const locks = t.manager();
      const result = await locks.withLock('x', { timeout: Infinity }, async (guard) => {
        expect(guard.name).toBe('x');
        expect(guard.released).toBe(false);
        expect(await locks.tryLock('x')).toBeNull();
        return 42;
      });
      expect(result).toBe(42);
      expect(await locks.query()).toEqual({ held: [], pending: [] });
    });

    it('releases and rethrows the very error when fn throws', async () => {
      const locks = t.manager();
      const boom = new Error('boom');
      await expect(
        locks.withLock('x', { timeout: Infinity }, () => {
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect(await locks.tryLock('x')).not.toBeNull();
    });

    it('honours mode and timeout like lock()', async () => {
      const locks = t.manager();
      await locks.lock('x', { timeout: Infinity, mode: 'shared' });
      const mode = await locks.withLock('x', { timeout: 0, mode: 'shared' }, (guard) => guard.mode);
      expect(mode).toBe('shared');
      let ran = false;
      await expect(
        locks.withLock('x', { timeout: 0 }, () => {
          ran = true;
        }),
      ).rejects.toMatchObject({ name: 'LockTimeoutError' });
      expect(ran).toBe(false);
    });
  });
}
