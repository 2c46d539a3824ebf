import { describe, expect, it } from 'vitest';
import { untilPending, type TestContext } from './harness.js';

export function queryCases(t: TestContext): void {
  describe('query', () => {
    it('lists held and pending requests with their modes and holders', async () => {
      const a = t.manager();
      const b = t.manager();
      await a.lock('x', { timeout: Infinity, mode: 'shared' });
      void b.lock('x', { timeout: Infinity }).catch(() => {});
      await untilPending(a, 'x', 1);
      await b.lock('y', { timeout: Infinity });
      const snapshot = await a.query();
      expect(snapshot.held).toHaveLength(2);
      expect(snapshot.held).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ name: 'x', mode: 'shared', clientId: a.clientId }),
          expect.objectContaining({ name: 'y', mode: 'exclusive', clientId: b.clientId }),
        ]),
      );
      expect(snapshot.pending).toEqual([expect.objectContaining({ name: 'x', mode: 'exclusive', clientId: b.clientId })]);
    });

    it("reports only the manager's prefix, with names as the caller gave them", async () => {
      const mine = t.manager();
      const other = t.manager(`${t.prefix}-other`);
      await mine.lock('x', { timeout: Infinity });
      await other.lock('x', { timeout: Infinity });
      await other.lock('y', { timeout: Infinity });
      expect((await mine.query()).held.map((l) => l.name)).toEqual(['x']);
      expect((await other.query()).held.map((l) => l.name).sort()).toEqual(['x', 'y']);
    });

    it('keeps prefixed names apart from the same names under another prefix', async () => {
      const a = t.manager();
      const b = t.manager(`${t.prefix}-b`);
      await a.lock('x', { timeout: Infinity });
      expect(await b.tryLock('x')).not.toBeNull();
    });
  });
}
