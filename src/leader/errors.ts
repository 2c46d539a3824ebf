/**
 * Errors of the leader layer, each with a stable `name` (and a `kind` where there are several causes).
 * A leadership lost behind the leader's back (stolen, lease lost, manager closed, page hidden) ends
 * with the lock's own `LockLostError`; these are the other ends and misuses.
 */

/**
 * Why a leadership ended without being told it was lost: the leader resigned, its election was closed,
 * or it was `stale`: it could not announce itself for nearly `staleAfterMs` (frozen, or its thread
 * blocked), long enough that a follower may have taken over, so it stepped down rather than act on a
 * belief it could not check; or `handed-off`: with `preferVisible`, a hidden leader gave way to a visible
 * follower waiting for the lock.
 */
export type LeadershipEndKind = 'resigned' | 'closed' | 'stale' | 'handed-off';

/** The reason a `Leadership.signal` aborts with when the leader resigned or closed its election. */
export class LeadershipEndedError extends Error {
  override readonly name = 'LeadershipEndedError';
  constructor(
    readonly kind: LeadershipEndKind,
    readonly electionName: string,
  ) {
    super(`leadership of "${electionName}" ended (${kind})`);
  }
}

/** `lead()` while this election already leads or waits to: one leadership per election at a time. */
export class ElectionBusyError extends Error {
  override readonly name = 'ElectionBusyError';
  constructor(readonly electionName: string) {
    super(`election "${electionName}" already leads or waits to lead`);
  }
}

/**
 * `lead()` could not have the election's lock: storage failed, the Web Locks ledger did not load, a steal
 * failed. The election's `'error'` event (`ElectionErrorEvent`) carries it, with what failed as `cause`;
 * `lead()` goes on and asks again after `retryInMs` (the backoff of core/signals.ts: 100 ms doubling, at
 * most 5 s). Only `close()`, the caller's abort or a closed manager end a `lead()`.
 */
export class ElectionError extends Error {
  override readonly name = 'ElectionError';
  constructor(
    readonly electionName: string,
    readonly retryInMs: number,
    cause: unknown,
  ) {
    super(`election "${electionName}" could not take its lock, again in ${retryInMs} ms`, { cause });
  }
}
