/**
 * What a backend is asked for and answers (`AcquireRequest` → `Grant`), the fence a grant carries for
 * `FencedStore`, and the bookkeeping behind a guard's `poisoned`.
 */
import type { LockLostKind } from './errors.js';
import type { LockGuard, LockMode } from './types.js';

/** What a backend is asked to grant. */
export interface AcquireRequest {
  /** The full name (prefix included). */
  readonly name: string;
  readonly mode: LockMode;
  /**
   * `undefined`: answer at once (`null` if not grantable now, like Web Locks' `ifAvailable`).
   * Otherwise wait; on abort, reject with `signal.reason` and leave no trace in the queue.
   */
  readonly signal: AbortSignal | undefined;
  /** Backend-specific options the caller passed (e.g. `steal`). */
  readonly extra: Readonly<Record<string, unknown>>;
  /** Whether the grant must carry the lock's generation (false: `unchecked`, no bookkeeping). */
  readonly checked: boolean;
  /** Tells the holder the lock was lost behind its back; aborts the guard's signal. */
  readonly lost: (kind: LockLostKind, detail?: string) => void;
}

/** A granted request: how to give the lock back (called at most once), and how to check it is still held. */
export interface Grant {
  release(): Promise<void>;
  /** The lock's generation at this grant; required when the request was checked. */
  readonly generation?: number;
  /** What `FencedStore` needs to check this grant in the backend's own storage, if it has any. */
  readonly fence?: Fence;
  /**
   * Called whenever the holder reads `guard.signal`: a backend that can tell synchronously that the
   * lock is gone (a lease past its deadline) reports the loss here, so the signal never says "held"
   * after the fact, whatever order the tasks of a thawed tab run in.
   */
  check?(): void;
}

/** Where a grant's generation lives, so `FencedStore` can check it in the same transaction as a write. */
export interface Fence {
  /** The IndexedDB database holding the lock records. */
  readonly database: string;
  /** The full lock name (the record's key). */
  readonly name: string;
  /** For leases: the grant's token, which must still hold a live lease. */
  readonly token?: string;
}

export const fences = new WeakMap<LockGuard, { fence: Fence; generation: number }>();

/** The fence of a guard handed out by a crosslock manager, if its backend keeps generations in storage. */
export function fenceOf(guard: LockGuard): { fence: Fence; generation: number } | undefined {
  return fences.get(guard);
}

/**
 * How many names a manager remembers the last generation of (for `poisoned`). A name it forgot is
 * reported `poisoned: true` on its next grant, which is always safe (the holder reloads); without a
 * bound, a wallet taking a new `round.<id>` every 4 s would grow this map by 21,600 names a day.
 */
export const LAST_SEEN_LIMIT = 1024;

/**
 * Records `generation` as a manager's last grant of `full` in `lastSeen` (kept in least-recently-granted
 * order, bounded); true (poisoned) when the name's previous grant was another generation, or is forgotten.
 */
export function sawGeneration(lastSeen: Map<string, number>, full: string, generation: number): boolean {
  const poisoned = lastSeen.get(full) !== generation;
  lastSeen.delete(full); // re-inserted last
  lastSeen.set(full, generation);
  if (lastSeen.size > LAST_SEEN_LIMIT) lastSeen.delete(lastSeen.keys().next().value!);
  return poisoned;
}
