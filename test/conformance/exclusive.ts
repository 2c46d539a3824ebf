import { describe, expect, it } from 'vitest';
import { rejectsWith, track, untilPending, type TestContext } from './harness.js';

export function exclusiveCases(t: TestContext): void {
  describe('exclusive locks', () => {
    it('grants a free lock at once, with a live guard', async () => {
      const locks = t.manager();
      const guard = await locks.lock('a', { timeout: Infinity });
      expect(guard.name).toBe('a');
      expect(guard.mode).toBe('exclusive');
      expect(guard.released).toBe(false);
      expect(guard.signal.aborted).toBe(false);
      const { held } = await locks.query();
      expect(held).toEqual([expect.objectContaining({ name: 'a', mode: 'exclusive' })]);
    });

    it('makes a second request wait until the holder releases', async () => {
      const a = t.manager();
      const b = t.manager();
      const first = await a.lock('x', { timeout: Infinity });
      const second = track(b.lock('x', { timeout: Infinity }));
      await untilPending(a, 'x', 1);
      expect(second.settled).toBe(false);
      await first.release();
      const guard = await second.promise;
      const { held, pending } = await a.query();
      expect(held).toEqual([expect.objectContaining({ name: 'x', clientId: b.clientId })]);
      expect(pending).toEqual([]);
      await guard.release();
    });

    it('grants waiters in the order they asked (FIFO)', async () => {
      const locks = t.manager();
      const first = await locks.lock('x', { timeout: Infinity });
      const order: string[] = [];
      const done: Promise<void>[] = [];
      for (const [i, id] of ['b', 'c', 'd'].entries()) {
        done.push(
          locks.lock('x', { timeout: Infinity }).then(async (guard) => {
            order.push(id);
            await guard.release();
          }),
        );
        await untilPending(locks, 'x', i + 1);
      }
      await first.release();
      await Promise.all(done);
      expect(order).toEqual(['b', 'c', 'd']);
    });

    it('grants in request order across managers: a manager\'s second waiter is not overtaken by another manager\'s later request', async () => {
      const a = t.manager();
      const b = t.manager();
      const first = await a.lock('x', { timeout: Infinity });
      const order: string[] = [];
      const take = (locks: typeof a, id: string): Promise<void> =>
        locks.lock('x', { timeout: Infinity }).then(async (guard) => {
          order.push(id);
          await guard.release();
        });
      const done = [take(a, 'a1')];
      await untilPending(b, 'x', 1);
      done.push(take(a, 'a2'));
      // Seen from the OTHER manager: both of a's requests are queued before b asks.
      await untilPending(b, 'x', 2);
      done.push(take(b, 'b1'));
      await untilPending(a, 'x', 3);
      await first.release();
      await Promise.all(done);
      expect(order).toEqual(['a1', 'a2', 'b1']);
    });

    it('hands a released lock to exactly one exclusive waiter', async () => {
      const locks = t.manager();
      const first = await locks.lock('x', { timeout: Infinity });
      const b = track(locks.lock('x', { timeout: Infinity }));
      await untilPending(locks, 'x', 1);
      const c = track(locks.lock('x', { timeout: Infinity }));
      await untilPending(locks, 'x', 2);
      await first.release();
      const guardB = await b.promise;
      const { held, pending } = await locks.query();
      expect(held).toHaveLength(1);
      expect(pending).toHaveLength(1);
      expect(c.settled).toBe(false);
      await guardB.release();
      await (await c.promise).release();
    });

    it('does not make different names contend', async () => {
      const locks = t.manager();
      await locks.lock('a', { timeout: Infinity });
      const other = await locks.lock('b', { timeout: 0 });
      expect(other.name).toBe('b');
    });

    it('is not re-entrant: the holder asking again waits like anyone else', async () => {
      const locks = t.manager();
      await locks.lock('a', { timeout: Infinity });
      await rejectsWith(locks.lock('a', { timeout: 0 }), 'LockTimeoutError');
      expect(await locks.tryLock('a')).toBeNull();
    });

    it('makes two managers of one space exclude each other', async () => {
      const a = t.manager();
      const b = t.manager();
      expect(a.clientId).not.toBe(b.clientId);
      const guard = await a.lock('a', { timeout: Infinity });
      expect(await b.tryLock('a')).toBeNull();
      await rejectsWith(b.lock('a', { timeout: 0 }), 'LockTimeoutError');
      await guard.release();
      expect(await b.tryLock('a')).not.toBeNull();
    });
  });

  describe('tryLock', () => {
    it('returns a guard when free and null while held', async () => {
      const locks = t.manager();
      const guard = await locks.tryLock('a');
      expect(guard).not.toBeNull();
      expect(guard?.mode).toBe('exclusive');
      expect(await locks.tryLock('a')).toBeNull();
      await guard?.release();
      const again = await locks.tryLock('a');
      expect(again?.name).toBe('a');
    });

    it('returns null while others wait, even in a compatible mode', async () => {
      const locks = t.manager();
      await locks.lock('a', { timeout: Infinity, mode: 'shared' });
      const writer = track(locks.lock('a', { timeout: Infinity }));
      await untilPending(locks, 'a', 1);
      expect(await locks.tryLock('a', { mode: 'shared' })).toBeNull();
      expect(writer.settled).toBe(false);
    });

    it('leaves no trace when it fails', async () => {
      const locks = t.manager();
      const guard = await locks.lock('a', { timeout: Infinity });
      expect(await locks.tryLock('a')).toBeNull();
      const { held, pending } = await locks.query();
      expect(held).toHaveLength(1);
      expect(pending).toEqual([]);
      await guard.release();
      expect(await locks.query()).toEqual({ held: [], pending: [] });
    });
  });
}
