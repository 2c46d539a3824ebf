import { describe, expect, it } from 'vitest';
import { rejectsWith, type TestContext } from './harness.js';

export function generationCases(t: TestContext): void {
  describe('generations and poisoning', () => {
    it('gives every checked grant a generation; the same holder taking the lock again keeps it', async () => {
      const locks = t.manager();
      const first = await locks.lock('g', { timeout: 0 });
      expect(Number.isSafeInteger(first.generation)).toBe(true);
      await first.release();
      const again = await locks.lock('g', { timeout: 0 });
      expect(again.generation).toBe(first.generation);
      await again.release();
      const viaTry = await locks.tryLock('g');
      expect(viaTry?.generation).toBe(first.generation);
    });

    it('raises the generation exactly when another holder takes the lock', async () => {
      const a = t.manager();
      const b = t.manager();
      const g1 = await a.lock('g', { timeout: 0 });
      await g1.release();
      const g2 = await b.lock('g', { timeout: 0 });
      expect(g2.generation).toBeGreaterThan(g1.generation!);
      await g2.release();
      const g3 = await b.lock('g', { timeout: 0 });
      expect(g3.generation).toBe(g2.generation);
      await g3.release();
      const g4 = await a.lock('g', { timeout: 0 });
      expect(g4.generation).toBeGreaterThan(g3.generation!);
    });

    it('says poisoned on a holder\'s first grant and after another holder held the lock, not otherwise', async () => {
      const a = t.manager();
      const b = t.manager();
      const first = await a.lock('g', { timeout: 0 });
      expect(first.poisoned).toBe(true); // a fresh holder knows nothing yet
      await first.release();
      const second = await a.lock('g', { timeout: 0 });
      expect(second.poisoned).toBe(false); // nobody else held it meanwhile
      await second.release();
      await (await b.lock('g', { timeout: 0 })).release();
      const third = await a.lock('g', { timeout: 0 });
      expect(third.poisoned).toBe(true); // b held it since a last did
      await third.release();
      expect((await a.lock('g', { timeout: 0 })).poisoned).toBe(false);
    });

    it('never moves the generation for shared grants: readers fence nobody, a writer after readers is not poisoned (issue 11, item 11)', async () => {
      const writer = t.manager();
      const readerA = t.manager();
      const readerB = t.manager();
      const first = await writer.lock('g', { timeout: 0 });
      await first.release();
      const a = await readerA.lock('g', { timeout: 0, mode: 'shared' });
      const b = await readerB.lock('g', { timeout: 0, mode: 'shared' });
      expect(a.generation).toBe(first.generation);
      expect(b.generation).toBe(first.generation);
      await Promise.all([a.release(), b.release()]);
      const again = await writer.lock('g', { timeout: 0 });
      expect(again.generation).toBe(first.generation);
      expect(again.poisoned).toBe(false); // readers changed nothing the writer cached
      await again.release();
      // A reader still learns when a writer changed things since it last read.
      const other = t.manager();
      await (await other.lock('g', { timeout: 0 })).release();
      const reread = await readerA.lock('g', { timeout: 0, mode: 'shared' });
      expect(reread.poisoned).toBe(true);
      expect(reread.generation).toBeGreaterThan(first.generation!);
    });

    it('keeps generations per name', async () => {
      const a = t.manager();
      const b = t.manager();
      await (await a.lock('one', { timeout: 0 })).release();
      await (await b.lock('two', { timeout: 0 })).release();
      expect((await a.lock('one', { timeout: 0 })).poisoned).toBe(false);
    });

    it('leaves generation and poisoned undefined for unchecked grants, and checks the option', async () => {
      const locks = t.manager();
      const guard = await locks.lock('g', { timeout: 0, unchecked: true });
      expect(guard.generation).toBeUndefined();
      expect(guard.poisoned).toBeUndefined();
      await guard.release();
      const tried = await locks.tryLock('g', { unchecked: true });
      expect(tried?.generation).toBeUndefined();
      await tried?.release();
      await rejectsWith(locks.lock('g', { timeout: 0, unchecked: 'yes' as never }), 'InvalidOptionError');
      await rejectsWith(locks.tryLock('g', { unchecked: 1 as never }), 'InvalidOptionError');
    });
  });
}
