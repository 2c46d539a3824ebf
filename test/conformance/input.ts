import { describe, expect, it } from 'vitest';
import type { LockManager, LockOptions } from '../../src/index.js';
import { rejectsWith, type TestContext } from './harness.js';

const BAD_NAMES: unknown[] = [
  '',
  ' a',
  'a b',
  '.a',
  'a.',
  '-a',
  'a_',
  'wallet/round',
  'leader+sync', // crosslock's own (an election's): no lock() reaches it
  '+x',
  'café',
  'a\n',
  'x'.repeat(201),
  42,
  undefined,
  null,
];

/** Every call that takes a name, so each bad input is tried against each. */
const CALLS: Array<[string, (m: LockManager, name: unknown) => Promise<unknown>]> = [
  ['lock', (m, name) => m.lock(name as string, { timeout: 0 })],
  ['tryLock', (m, name) => m.tryLock(name as string)],
  ['withLock', (m, name) => m.withLock(name as string, { timeout: 0 }, () => undefined)],
];

export function inputCases(t: TestContext): void {
  describe('invalid input', () => {
    it.each(CALLS)('%s rejects names that are not portable with InvalidLockNameError (a TypeError)', async (_, call) => {
      const locks = t.manager();
      for (const name of BAD_NAMES) {
        const error = await rejectsWith(call(locks, name), 'InvalidLockNameError');
        expect(error).toBeInstanceOf(TypeError);
        expect(error.message).toMatch(/invalid lock name/);
      }
    });

    it('accepts names at the limits of the rule, the full name ("<prefix>+<name>", or "+<name>") at most 200 bytes', async () => {
      const bare = t.manager(undefined);
      const longest = `${t.prefix}${'x'.repeat(199 - t.prefix.length)}`;
      for (const name of ['a', '9', 'A-b_c.9', longest]) {
        await (await bare.lock(name, { timeout: 0 })).release();
      }
      await rejectsWith(bare.lock(`${longest}x`, { timeout: 0 }), 'InvalidLockNameError');
      const prefixed = t.manager();
      const room = 200 - t.prefix.length - 1;
      await (await prefixed.lock('y'.repeat(room), { timeout: 0 })).release();
      await rejectsWith(prefixed.lock('y'.repeat(room + 1), { timeout: 0 }), 'InvalidLockNameError');
    });

    it('requires a timeout and checks its type and range', async () => {
      const locks = t.manager();
      const cases: Array<[unknown, string, ErrorConstructor]> = [
        [{}, 'InvalidOptionError', TypeError],
        [{ timeout: '10' }, 'InvalidOptionError', TypeError],
        [{ timeout: null }, 'InvalidOptionError', TypeError],
        [{ timeout: Number.NaN }, 'OptionRangeError', RangeError],
        [{ timeout: -1 }, 'OptionRangeError', RangeError],
        [{ timeout: -Infinity }, 'OptionRangeError', RangeError],
        [undefined, 'InvalidOptionError', TypeError],
        [null, 'InvalidOptionError', TypeError],
        [5, 'InvalidOptionError', TypeError],
      ];
      for (const [options, name, base] of cases) {
        const error = await rejectsWith(locks.lock('x', options as LockOptions), name);
        expect(error, `options ${String(options)}`).toBeInstanceOf(base);
      }
      expect((await rejectsWith(locks.lock('x', {} as LockOptions), 'InvalidOptionError')).message).toMatch(/timeout.*required/);
    });

    it('rejects unknown options, bad modes, bad signals and a missing function', async () => {
      const locks = t.manager();
      const bad: unknown[] = [
        { timeout: 1, timout: 1 },
        { timeout: 1, mode: 'read' },
        { timeout: 1, mode: null },
        { timeout: 1, signal: {} },
        { timeout: 1, signal: 'abort' },
      ];
      for (const options of bad) await rejectsWith(locks.lock('x', options as LockOptions), 'InvalidOptionError');
      await rejectsWith(locks.tryLock('x', { timeout: 1 } as never), 'InvalidOptionError');
      await rejectsWith(locks.tryLock('x', { mode: 'write' } as never), 'InvalidOptionError');
      await rejectsWith(locks.tryLock('x', 'shared' as never), 'InvalidOptionError');
      await rejectsWith(locks.withLock('x', { timeout: 1 }, 'fn' as never), 'InvalidOptionError');
    });

    it('loses nothing on bad input: held locks stay held, waiters stay queued', async () => {
      const locks = t.manager();
      const guard = await locks.lock('x', { timeout: Infinity });
      void locks.lock('x', { timeout: Infinity }).catch(() => {});
      const before = await locks.query();
      await rejectsWith(locks.lock('x', { timeout: -5 }), 'OptionRangeError');
      await rejectsWith(locks.tryLock('x y'), 'InvalidLockNameError');
      await rejectsWith(locks.withLock('x', { timeout: 0 }, null as never), 'InvalidOptionError');
      expect(await locks.query()).toEqual(before);
      expect(guard.released).toBe(false);
      expect(guard.signal.aborted).toBe(false);
    });

    it('rejects a prefix that is not a valid name when the manager is made', () => {
      for (const prefix of ['', 'a b', '.wallet', 'a+b', 'x'.repeat(199), 'x'.repeat(201)]) {
        expect(() => t.manager(prefix)).toThrow(expect.objectContaining({ name: 'InvalidLockNameError' }));
      }
    });
  });
}
