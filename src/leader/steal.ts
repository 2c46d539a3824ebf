/**
 * When a follower may take leadership from a leader that stopped beating, pure (steal.test.ts).
 *
 * Why at all: on Web Locks a frozen tab keeps its lock (w3c/web-locks#4), so a frozen or wedged leader
 * would lead for ever. Leases need none of this: a frozen holder's lease lapses on its own.
 *
 * Why so guarded (a wedged tab must not steal every few seconds, dxos PR #12707; two followers must not
 * take turns stealing from each other):
 * - the leader is STALE: no sign of life for `staleAfterMs` on the follower's own monotonic clock, and
 *   a takeover seen (a new holder in `query()`) counts as a sign of life, so a leader that just stole
 *   gets its full `staleAfterMs` to beat;
 * - the follower is HEALTHY: its own ticks have come on time for at least `staleAfterMs` (a follower
 *   that was frozen itself, or whose main thread was blocked, first sees whether the leader beats);
 * - the follower is FIRST in the lock's queue: of all followers, only the one the lock would go to next;
 * - the follower has not stolen lately: after a steal, its next one waits `staleAfterMs * 2^n` (n the
 *   steals it made in a row, capped at `MAX_STEAL_BACKOFF`), so a flapping pair slows down.
 */
export interface StealInput {
  /** Follower-monotonic ms now. */
  readonly now: number;
  /** When the leader last showed a sign of life (a beat, or the holder seen changing). */
  readonly beatAt: number;
  /** Since when this follower's ticks have come on time. */
  readonly healthySince: number;
  /** Whether this follower's request is the first one waiting for the lock. */
  readonly first: boolean;
  /** When this follower last stole (`-Infinity`: never), and how many steals it made in a row. */
  readonly stoleAt: number;
  readonly steals: number;
  readonly staleAfterMs: number;
}

/** Backoff doublings at most: a follower that keeps stealing waits at most `staleAfterMs * 2^5` between steals. */
export const MAX_STEAL_BACKOFF = 5;

/**
 * In how many ms this follower may take over if nothing changes (0: now; Infinity: not first), so it
 * can check again at that very moment instead of on its next tick, up to a heartbeat later.
 */
export function takeOverIn(i: StealInput): number {
  if (!i.first) return Infinity;
  const stale = i.beatAt + i.staleAfterMs;
  const healthy = i.healthySince + i.staleAfterMs;
  const rested = i.stoleAt + i.staleAfterMs * 2 ** Math.min(i.steals, MAX_STEAL_BACKOFF);
  return Math.max(0, Math.max(stale, healthy, rested) - i.now);
}

export function mayTakeOver(i: StealInput): boolean {
  return takeOverIn(i) === 0;
}

/**
 * Whether a gap between two ticks means this follower was not running (frozen, or its main thread
 * blocked): more than two tick intervals. Hidden tabs are not caught by this: ticks come from a
 * worker, which hiding does not throttle.
 */
export function missedTicks(gap: number, tickMs: number): boolean {
  return gap > 2 * tickMs;
}
