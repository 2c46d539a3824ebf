/**
 * A `Leadership`: what `lead()` resolves to. It is the lock guard of the election's lock plus a term
 * and a signal that also ends on `resign()`. Ended once: the first cause (lost, resigned, closed) wins.
 *
 * Every signal it hands out runs the same checks when read: `signal`, and `guard.signal` (the guard handed
 * out is a view of the lock's own, whose `signal` reads the leadership's first), so code that only has the
 * guard (a backup target, a fenced store, a service's `host.guard`) learns of a thawed leader's step-down
 * ('stale') as soon as it looks, not when the news arrives.
 */
import { fenceOf, fences } from '../core/grant.js';
import { LockLostError } from '../core/errors.js';
import type { LockGuard } from '../core/types.js';

/**
 * The key guards are disposed by (core/guard.ts `asyncDispose`, the same expression: importing that module
 * would bring the Guard class into the leader's bundle): `Symbol.asyncDispose`, or where the engine lacks it
 * (Safari before 18) the registered symbol that TypeScript's and core-js's `await using` polyfills look up.
 */
const asyncDispose: typeof Symbol.asyncDispose = (Symbol as { asyncDispose?: typeof Symbol.asyncDispose }).asyncDispose ?? (Symbol.for('Symbol.asyncDispose') as typeof Symbol.asyncDispose);

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
  /**
   * The lock guard: pass it to `FencedStore` writes, which are refused once another leader took over.
   * Reading its `signal` runs the same checks as reading the leadership's; it is aborted when the lock is
   * lost (`LockLostError`) or when the leadership steps down as `'stale'` (that `LeadershipEndedError`), not
   * by a resignation, a handoff or `close()` (those release it: `released`).
   */
  readonly guard: LockGuard;
  /** Gives leadership up (another election may take it at once). Idempotent. */
  resign(): Promise<void>;
}

/** A leadership under way, as its election keeps it: the object handed out, its signal's controller, its release once ended. */
export interface Leader {
  readonly leadership: Leadership;
  readonly controller: AbortController;
  release: Promise<void> | undefined;
  /** When this leader last announced itself (its monotonic clock). */
  beatAt: number;
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
  // The guard's own view: lost when the lock is, or when the leadership can no longer be sure of it.
  const lost = new AbortController();
  controller.signal.addEventListener(
    'abort',
    () => {
      const reason = controller.signal.reason as { kind?: unknown };
      if (reason instanceof LockLostError || reason?.kind === 'stale') lost.abort(reason);
    },
    { once: true },
  );
  const resign = (): Promise<void> => end(resigned());
  const view: LockGuard = {
    name: guard.name,
    mode: guard.mode,
    generation: guard.generation,
    poisoned: guard.poisoned,
    get released() {
      return guard.released;
    },
    get signal() {
      void lead.signal; // runs the lease's and the election's checks (an end aborts `lost` synchronously)
      return lost.signal;
    },
    release: () => guard.release(),
    [asyncDispose]: () => guard.release(),
  };
  const fenced = fenceOf(guard);
  if (fenced) fences.set(view, fenced); // fenced stores and backup targets check the lock's own fence
  const lead: Leadership = {
    name,
    term: guard.generation!,
    guard: view,
    get signal() {
      void guard.signal; // reading it checks a lease's deadline (see LockGuard.signal)
      if (!controller.signal.aborted) check();
      return controller.signal;
    },
    resign,
    // Where the engine has no Symbol.asyncDispose (Safari before 18): the key `await using` polyfills use.
    [asyncDispose]: resign,
  };
  return { leadership: lead, controller };
}
