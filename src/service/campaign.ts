/**
 * A service host's campaign (host.ts): lead the host election, serve one start, and again, for as long as
 * the host is open. What a start ends with, the backoff after a failure, and a start's signal.
 *
 * Invariants:
 * - ONLY `close()`, the caller's abort (`signal`) or the manager being closed end a campaign (and a manager
 *   that cannot be had at all: a promise that rejected, no crosslock LockManager, a prefix leaving the name no
 *   room). Every other failure (the election's lock or a start's alive lock could not be had: storage
 *   failed, a Web Locks ledger chunk or database did not load; the implementation factory threw) is one
 *   `'error'` event (`ServiceHostError`, with its cause and `retryInMs`), the leadership is given up (another
 *   host may fare better), and the campaign goes on after `retryInMs(failures in a row)`.
 * - A start's signal (`HostContext.signal`) is aborted when its leadership ends, its alive lock is lost or
 *   the host closes, and READING it reads theirs first, so their synchronous checks run (a lease past its
 *   deadline, a leader thawed past its staleness bound: see crosslock/leader) and abort it before it is
 *   returned. A combined `AbortSignal.any` would only be aborted once their events were dispatched, and a
 *   thawed host would read `false` and act. (And so the service needs no `AbortSignal.any`.)
 * - Every listener a start adds to the host's own signal is removed when the start ends. Once a start has
 *   ended, an implementation factory still running is not waited for (`ended`); its alive lock request is,
 *   and is given back, so no lock of it is held once `close()` resolves (host.ts).
 *
 * The backoff is the coordination layers' (core/signals.ts `retryInMs`: 100 ms doubling to 5 s, and why),
 * started again from 100 ms once a start has served: calls wait for a host for their whole `timeout` (30 s
 * by default), so a store that heals has a host again within 5 s, well inside it.
 */
import type { ServiceHostErrorKind } from './errors.js';
import type { HostContext } from './hosting.js';

/** How one start ended: `true`, it served; `false`, it ended before serving (its leadership lost, the host closed); or it failed. */
export type StartOutcome = boolean | { readonly kind: ServiceHostErrorKind; readonly cause: unknown; readonly context?: HostContext };

/** What a start's signal follows: anything whose `signal` getter runs checks (a guard, a leadership). */
interface Checked {
  readonly signal: AbortSignal;
}

/** One start's signal (see the module comment); `ended` resolves when it aborts. `end()` ends it, and removes its listeners. */
export interface StartSignal {
  readonly signal: AbortSignal;
  readonly ended: Promise<undefined>;
  /** Ends the start when `watched`'s signal aborts too; that signal is read afresh on every read of this one. */
  watch(watched: Checked): void;
  end(reason?: unknown): void;
}

export function startSignal(...watched: Checked[]): StartSignal {
  const controller = new AbortController();
  const offs: Array<() => void> = [];
  const end = (reason?: unknown): void => {
    for (const off of offs.splice(0)) off();
    if (!controller.signal.aborted) controller.abort(reason);
  };
  const watch = (w: Checked): void => {
    const signal = w.signal;
    if (signal.aborted) return end(signal.reason);
    const onAbort = (): void => end(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    offs.push(() => signal.removeEventListener('abort', onAbort));
  };
  const all = [...watched];
  all.forEach(watch);
  return {
    get signal() {
      for (const w of all) void w.signal; // runs its checks: an abort there ends this at once (its listener)
      return controller.signal;
    },
    // Listeners on the start's own signal go with it: it always aborts when the start ends.
    ended: new Promise((resolve) => controller.signal.addEventListener('abort', () => resolve(undefined), { once: true })),
    watch: (w) => (all.push(w), watch(w)),
    end,
  };
}
