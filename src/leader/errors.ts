/**
 * Errors of the leader layer, each with a stable `name` (and a `kind` where there are several causes).
 * A leadership lost behind the leader's back (stolen, lease lost, manager closed, page hidden) ends
 * with the lock's own `LockLostError`; these are the other ends and misuses.
 */

/** Why a leadership ended without being lost: the leader resigned, or its election was closed. */
export type LeadershipEndKind = 'resigned' | 'closed';

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
