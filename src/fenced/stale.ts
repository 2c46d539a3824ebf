/**
 * The fencing rule, pure: may a write made under a guard with this generation (and, for leases, this
 * grant token) go through, given the lock's stored record now? Returns why not, or `undefined`.
 *
 * A write goes through only if the stored generation is still the guard's (no other holder has taken
 * the lock since: generations go up exactly when the holder changes) and, for a lease, the grant's own
 * lease is still live (a holder past its lease may not write even if nobody has taken over yet).
 * A record of a newer version throws `StorageError('version')` (this code cannot judge it).
 */
import { normalise } from '../lease/record.js';

const NONE: ReadonlyMap<string, string> = new Map();

export function staleness(stored: unknown, now: number, generation: number, token: string | undefined): { reason: string; current?: number } | undefined {
  if (stored === undefined) return { reason: 'the lock has no record (it was never taken here, or the record was removed)' };
  const { record, corrupt } = normalise(stored, now, NONE);
  if (corrupt) return { reason: 'the lock record is corrupt' };
  if (record.generation !== generation) {
    return { reason: `another holder has taken the lock since (generation is now ${record.generation})`, current: record.generation };
  }
  if (token !== undefined && !record.holders.some((h) => h.token === token)) {
    return { reason: "this holder's lease has expired", current: record.generation };
  }
  return undefined;
}
