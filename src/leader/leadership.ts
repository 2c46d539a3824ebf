/**
 * A `Leadership`: what `lead()` resolves to. It is the lock guard of the election's lock plus a term
 * and a signal that also ends on `resign()`. Ended once: the first cause (lost, resigned, closed) wins.
 */
import type { LockGuard } from '../core/types.js';

export interface Leadership extends AsyncDisposable {
  /** The election's name. */
  readonly name: string;
  /**
   * The lock's generation at this grant: strictly higher than any other leader's before it, so it is a
   * fencing token (`FencedStore` checks it through `guard`).
   */
  readonly term: number;
  /**
   * Aborted the moment this leadership ends: with the lock's `LockLostError` when it is lost (`'stolen'`:
   * a follower took over from a frozen or wedged leader; `'expired'`: a lease lapsed; `'closed'`: the
   * manager closed; `'pagehide'`), or `LeadershipEndedError` (`'resigned'`, `'closed'`, `'stale'`: it
   * could not announce itself for `staleAfterMs - heartbeatMs`, see `LeaderElection`). Reading it
   * checks what can be checked synchronously, so read `signal.aborted` afresh before acting as leader.
   */
  readonly signal: AbortSignal;
  /** The lock guard: pass it to `FencedStore` writes, which are refused once another leader took over. */
  readonly guard: LockGuard;
  /** Gives leadership up (another election may take it at once). Idempotent. */
  resign(): Promise<void>;
}

/**
 * `check` runs on every read of `signal`: the election's synchronous test that this leader is still
 * sure of its leadership (it ends it when not), so a leader reading its signal after a freeze learns
 * at once rather than when the news arrives.
 */
export function leadership(
  name: string,
  guard: LockGuard,
  end: (reason: unknown) => Promise<void>,
  resigned: () => unknown,
  check: () => void,
): { leadership: Leadership; controller: AbortController } {
  const controller = new AbortController();
  const resign = (): Promise<void> => end(resigned());
  const lead: Leadership = {
    name,
    term: guard.generation!,
    guard,
    get signal() {
      void guard.signal; // reading it checks a lease's deadline (see LockGuard.signal)
      if (!controller.signal.aborted) check();
      return controller.signal;
    },
    resign,
    [Symbol.asyncDispose]: resign,
  };
  return { leadership: lead, controller };
}
