/**
 * What every fenced store checks of a guard before it touches storage: a checked, exclusive guard of a
 * lock whose records live where this store checks them, not released, not known lost. The store then
 * checks the generation (and, for leases, the grant's lease) against the stored record in the same
 * atomic step as the write (stale.ts).
 */
import { InvalidOptionError, StaleLockError } from '../core/errors.js';
import { fenceOf, type Fence } from '../core/grant.js';
import type { LockGuard } from '../core/types.js';

export function fencedGuard(guard: LockGuard, database: string, managers: string): { fence: Fence; generation: number } {
  const fenced = fenceOf(guard);
  if (!fenced) throw new InvalidOptionError('guard', `needs a checked guard (not unchecked) from ${managers}`);
  const { fence, generation } = fenced;
  if (guard.mode !== 'exclusive') throw new InvalidOptionError('guard', 'fenced writes need an exclusive guard (a shared lock has several holders at once)');
  if (fence.database !== database) {
    throw new InvalidOptionError('guard', `its lock's records live in database "${fence.database}", this store in "${database}"`);
  }
  if (guard.released) throw new StaleLockError(fence.name, generation, undefined, 'the guard was released');
  if (guard.signal.aborted) throw new StaleLockError(fence.name, generation, undefined, `the lock was lost (${(guard.signal.reason as Error).message})`);
  return fenced;
}
