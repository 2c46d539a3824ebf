/**
 * Type-level checks of the public contract. The expressions live in a function that is type-checked
 * (`npm run typecheck`) but never called: no lock is taken at run time.
 */
import { describe, expectTypeOf, it } from 'vitest';
import type { LockGuard, LockManager, LockMode, LockOptions, LockSnapshot } from '../../src/index.js';

function contractTypes(locks: LockManager): void {
  expectTypeOf(locks.lock('a', { timeout: 1 })).toEqualTypeOf<Promise<LockGuard>>();
  expectTypeOf(locks.tryLock('a')).toEqualTypeOf<Promise<LockGuard | null>>();
  expectTypeOf(locks.withLock('a', { timeout: 1 }, () => 42)).toEqualTypeOf<Promise<number>>();
  expectTypeOf(locks.withLock('a', { timeout: 1 }, async () => 'x')).toEqualTypeOf<Promise<string>>();
  expectTypeOf(locks.query()).toEqualTypeOf<Promise<LockSnapshot>>();
  // @ts-expect-error: timeout is mandatory
  void locks.lock('a', {});
  // @ts-expect-error: only 'exclusive' | 'shared'
  void locks.lock('a', { timeout: 1, mode: 'read' });
  // @ts-expect-error: tryLock never waits, so it takes no timeout
  void locks.tryLock('a', { timeout: 1 });
}

describe('public types', () => {
  it('are checked by tsc', () => {
    expectTypeOf(contractTypes).toBeFunction();
    expectTypeOf<LockGuard>().toExtend<AsyncDisposable>();
    expectTypeOf<LockGuard['mode']>().toEqualTypeOf<LockMode>();
    expectTypeOf<LockOptions['timeout']>().toEqualTypeOf<number>();
  });
});
