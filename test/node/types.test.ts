/** Type-level checks of the public contract (checked by `tsc` in `npm run typecheck`, run by Vitest). */
import { describe, expectTypeOf, it } from 'vitest';
import type { LockGuard, LockManager, LockMode, LockOptions, LockSnapshot } from '../../src/index.js';
import { MemoryLockManager } from '../../src/index.js';

describe('public types', () => {
  it('types lock, tryLock, withLock and query', () => {
    const locks: LockManager = new MemoryLockManager();
    expectTypeOf(locks.lock('a', { timeout: 1 })).toEqualTypeOf<Promise<LockGuard>>();
    expectTypeOf(locks.tryLock('a')).toEqualTypeOf<Promise<LockGuard | null>>();
    expectTypeOf(locks.withLock('a', { timeout: 1 }, () => 42)).toEqualTypeOf<Promise<number>>();
    expectTypeOf(locks.withLock('a', { timeout: 1 }, async () => 'x')).toEqualTypeOf<Promise<string>>();
    expectTypeOf(locks.query()).toEqualTypeOf<Promise<LockSnapshot>>();
    expectTypeOf<LockGuard>().toExtend<AsyncDisposable>();
    expectTypeOf<LockGuard['mode']>().toEqualTypeOf<LockMode>();
  });

  it('makes the timeout mandatory and the mode a closed union', () => {
    // @ts-expect-error: timeout is mandatory
    const missing: LockOptions = {};
    // @ts-expect-error: only 'exclusive' | 'shared'
    const badMode: LockOptions = { timeout: 1, mode: 'read' };
    expectTypeOf(missing).toEqualTypeOf<LockOptions>();
    expectTypeOf(badMode).toEqualTypeOf<LockOptions>();
  });
});
