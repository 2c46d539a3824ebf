/**
 * The optional preference for a visible leader (`preferVisible`), pure (visible.test.ts).
 *
 * Why: the leader does the work the user waits for (sync, rounds); Firestore likewise prefers a visible,
 * online primary. A hidden leader still works (its beats come from a worker), so this is a preference,
 * never a takeover: leadership moves only by the hidden leader handing off (it resigns, and the lock goes
 * to the next in its queue), so two leaders never overlap, and the term goes up as on any handoff.
 *
 * A visible follower says so (`visible`) on every tick while it waits, so a message heard within
 * `freshMs` (2.5 ticks) means that follower still waits; one that closed, or leads, or stopped waiting
 * goes quiet, and a hidden leader hands off only to a fresh one: hidden tabs pass the lock on for at most
 * `freshMs` after the visible tab went away. (The lock's queue cannot tell: across tabs, Web Locks name
 * requests by the browser's client id, which a tab does not know of itself.) A hidden follower that
 * gets the lock while a visible one still waits hands off in turn, so the lock reaches the visible one;
 * each hop is a release.
 */
export interface HandOffInput {
  /** Whether this (leading) tab is hidden now. */
  readonly hidden: boolean;
  /** Visible followers heard from: clientId → when (this election's monotonic clock). */
  readonly visible: ReadonlyMap<string, number>;
  readonly now: number;
  /** How recent a `visible` message must be to count: the follower still waits. */
  readonly freshMs: number;
}

/** Whether a leader that prefers a visible leader should hand off now. */
export function shouldHandOff(i: HandOffInput): boolean {
  if (!i.hidden) return false;
  for (const heard of i.visible.values()) if (i.now - heard <= i.freshMs) return true;
  return false;
}
