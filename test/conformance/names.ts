/**
 * Names and prefixes on every backend: (prefix, name) pairs whose dotted joins are equal never meet, a
 * manager without a prefix sees and contends with unprefixed names only, and crosslock's own locks (an
 * election's) never meet an app's lock of the same name (core/names.ts).
 */
import { describe, expect, it } from 'vitest';
import { LeaderElection } from '../../src/leader.js';
import type { TestContext } from './harness.js';

export function nameCases(t: TestContext): void {
  describe('names and prefixes', () => {
    it('keeps apart (prefix, name) pairs whose dotted joins are equal, and each query() shows its own only', async () => {
      const outer = t.manager(); // "<p>" + "savings.sync"
      const inner = t.manager(`${t.prefix}.savings`); // "<p>.savings" + "sync"
      const a = await outer.lock('savings.sync', { timeout: 0 });
      const b = await inner.tryLock('sync');
      expect(b).not.toBeNull();
      expect([a.signal.aborted, b!.signal.aborted]).toEqual([false, false]); // both held at once
      expect((await outer.query()).held.map((l) => l.name)).toEqual(['savings.sync']);
      expect((await inner.query()).held.map((l) => l.name)).toEqual(['sync']);
    });

    it('a manager without a prefix sees and contends with unprefixed names only', async () => {
      const prefixed = t.manager();
      const bare = t.manager(undefined);
      expect(bare.prefix).toBeUndefined();
      await prefixed.lock('x', { timeout: Infinity });
      // The prefixed lock, asked for by its old dotted full name, is another lock.
      const other = await bare.tryLock(`${t.prefix}.x`);
      expect(other).not.toBeNull();
      // Its query() shows its own lock, and nothing of the prefixed one in any spelling.
      const mine = (await bare.query()).held.map((l) => l.name).filter((name) => name.includes(t.prefix));
      expect(mine).toEqual([`${t.prefix}.x`]);
      // And the prefixed manager never sees the unprefixed one's lock.
      expect((await prefixed.query()).held.map((l) => l.name)).toEqual(['x']);
      await other!.release();
    });

    it("an election's lock never meets an app lock of the same name; query() lists both, apart", async () => {
      const app = t.manager();
      const election = new LeaderElection(t.manager(), 'sync');
      try {
        const leadership = await election.lead();
        const guard = await app.tryLock('sync');
        expect(guard).not.toBeNull();
        expect(leadership.signal.aborted).toBe(false);
        const names = (await app.query()).held.map((l) => l.name).sort();
        expect(names).toEqual(['leader+sync', 'sync']);
        expect(election.lockName).toBe('leader+sync');
        await guard!.release();
      } finally {
        await election.close();
      }
    });
  });
}
