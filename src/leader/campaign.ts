/**
 * The campaign of `lead()` (election.ts): tries for the election's lock until it leads. One try waits in
 * line for the lock, or, when the election's own tick decided to take over from a silent Web Locks leader
 * (it aborts the try's `wait`), steals it.
 *
 * Invariants:
 * - A CAMPAIGN NEVER DIES SILENTLY: only `close()`, the caller's abort or a closed manager end it. Every
 *   other failure is one `'error'` event (`ElectionErrorEvent`: an `ElectionError` with the failure as
 *   `cause` and `retryInMs`), and the campaign tries again after `retryInMs(failures in a row)`: 100 ms,
 *   doubling, at most 5 s (core/signals.ts says why those values); a new `lead()` starts from 100 ms.
 * - A try ends in one of five ways, and says which: `stopped` (close() or the caller's abort: whatever it
 *   was granted has been given back, nothing is held), a grant (`guard`, `stole`), `failed` (the lock could
 *   not be had: storage failed, the Web Locks ledger did not load, a steal failed; `lead()` reports it and
 *   tries again after the backoff of core/signals.ts), or `closed` (the manager itself is closed: nothing
 *   more can be had from it). A steal that was simply not granted (`LockTimeoutError`) or lost before it
 *   could be handed out (`LockLostError`) is no failure: `again`, the next try waits in line.
 * - Stopped is checked AFTER the grant too, synchronously before the election leads: a `close()` landing in
 *   the microtasks between the lock's grant and `lead()` going on must not leave a leadership nobody will
 *   ever end (its ticker is stopped, so it would never beat, and nobody else would ever lead): the guard is
 *   released before `lead()` rejects, and `close()` waits for that (election.ts).
 * - No `AbortSignal.any` (core/signals.ts): the wait's signal is composed with listeners that are removed
 *   when the try ends.
 */
import { anySignal, pause, retryInMs } from '../core/signals.js';
import { reservedOptions } from '../core/names.js';
import type { LockGuard, LockManager } from '../core/types.js';
import { ElectionError } from './errors.js';
import type { Leadership } from './leadership.js';
import { ElectionErrorEvent } from './options.js';

/** What a campaign may do to its election (election.ts hands these out to it only). */
export interface Campaign {
  readonly election: EventTarget & { readonly name: string; readonly lockName: string };
  /** Aborted by the election's `close()`. */
  readonly closer: AbortSignal;
  manager(): LockManager;
  /** A try waits (`wait`, which the election's tick aborts to steal instead), or no longer does. */
  waiting(wait: AbortController | undefined): void;
  /** Whether a campaign is under way (`lead()` while one is: `ElectionBusyError`). */
  busy(on: boolean): void;
  /** preferVisible: whether a grant is to be passed straight on to a visible follower. */
  handsOff(): boolean;
  become(guard: LockGuard, stole: boolean): Leadership;
}

/** Campaigns until it leads (see the module comment); `signal`: the caller's. */
export async function run(c: Campaign, signal: AbortSignal | undefined): Promise<Leadership> {
  c.busy(true);
  const stop = anySignal([c.closer, signal]);
  const stopped = (): unknown => (c.closer.aborted ? c.closer.reason : signal!.reason);
  try {
    for (let failures = 0; ; ) {
      if (stop.signal.aborted) throw stopped(); // asks for nothing more once stopped (after a backoff, say)
      const wait = new AbortController();
      c.waiting(wait);
      let outcome: Try;
      try {
        outcome = await tryLock(c.manager(), c.election.lockName, stop.signal, wait.signal);
      } finally {
        c.waiting(undefined);
      }
      // Stopped, also after a grant (checked here, synchronously before become()): given back, then said.
      if (stop.signal.aborted || outcome === 'stopped') {
        if (typeof outcome === 'object' && 'guard' in outcome) await outcome.guard.release().catch(() => {});
        throw stopped();
      }
      if (outcome === 'again') continue;
      if ('closed' in outcome) throw outcome.closed;
      if ('failed' in outcome) {
        const error = new ElectionError(c.election.name, retryInMs(++failures), outcome.failed);
        c.election.dispatchEvent(new ElectionErrorEvent(error));
        await pause(error.retryInMs, stop.signal);
        continue;
      }
      // preferVisible: a hidden follower granted the lock while a visible one waits passes it straight on.
      if (!outcome.stole && c.handsOff()) {
        await outcome.guard.release().catch(() => {});
        continue;
      }
      c.busy(false); // before become(): its change event's listeners may lead() again once this one ends
      return c.become(outcome.guard, outcome.stole);
    }
  } finally {
    c.busy(false);
    stop.dispose();
  }
}

export type Try = { readonly guard: LockGuard; readonly stole: boolean } | { readonly failed: unknown } | { readonly closed: unknown } | 'stopped' | 'again';

const named = (error: unknown, ...names: string[]): boolean => names.includes((error as { name?: unknown } | null)?.name as string);

/**
 * One try (see the module comment). `stop`: close() and the caller's signal; `wait`: aborted by the
 * election's tick to steal instead. A grant is returned even when `stop` aborted meanwhile: the caller
 * checks `stop` once more, synchronously before it leads, and gives the guard back.
 */
export async function tryLock(manager: LockManager, lockName: string, stop: AbortSignal, wait: AbortSignal): Promise<Try> {
  let outcome: Try;
  const asked = anySignal([stop, wait]);
  try {
    outcome = { guard: await manager.lock(lockName, reservedOptions({ timeout: Infinity, signal: asked.signal })), stole: false };
  } catch (error) {
    if (stop.aborted || !wait.aborted) outcome = stop.aborted ? 'stopped' : { failed: error };
    else {
      try {
        outcome = { guard: await manager.lock(lockName, reservedOptions({ timeout: 0, steal: true } as { timeout: number })), stole: true };
      } catch (error) {
        outcome = named(error, 'LockTimeoutError', 'LockLostError') ? 'again' : { failed: error };
      }
    }
  } finally {
    asked.dispose();
  }
  if (typeof outcome === 'object' && 'failed' in outcome && named(outcome.failed, 'ManagerClosedError')) return { closed: outcome.failed };
  return outcome;
}
