/**
 * The releases of one lease manager: a guard let go, a lost lease given back, a waiter's stored place
 * given up. Each removes entries of one name in ONE atomic update (the lease rule's `release`, which
 * hands the lock on: a direct handoff to every request it can promote) and announces the outcome.
 *
 * - Places given up in one task are released together, one update per name: close() rejects every
 *   waiter at once and several time out on one timer tick, and a store held up by a paused page has
 *   all of them to drain before a tryLock() of another tab (issue 11, `npm run chaos` leases-mixed).
 *   The batch is started at the end of the task (a microtask) OR before any other update this manager
 *   starts, whichever comes first (`flush()`: the manager calls it first thing in every update), so on
 *   an ordered store it still runs before anything the tab does after giving up (a review: `abort();
 *   tryLock()` in one task found the given-up request promoted and was refused; close() handed the lock
 *   to its own rejected waiter before releasing it).
 * - On an unordered store (Redis) a release waits for `after` (the round still in flight for the same
 *   token), or that round, retried on the record the release left, would put the token back.
 * - A release in flight when the page enters the back/forward cache is given up (`giveUp`): the cache
 *   aborts its transaction, the tokens are announced dead instead, and `release()` does not fail.
 */
import type { LockMode } from '../core/types.js';
import type { Decision, Intent } from './decide.js';
import { nothing, releasedAll } from './env.js';
import type { LeaseMessage } from './messages.js';
import type { RuleResult } from './store.js';

export interface Released {
  readonly token: string;
  readonly mode: LockMode;
}

export interface ReleaseHooks {
  /** Runs the rule for each (name, token, mode, intent) in one atomic update; `announce` for a store that publishes. */
  decide(items: ReadonlyArray<readonly [string, string, LockMode, Intent]>, announce: (results: readonly RuleResult[]) => LeaseMessage): Promise<Decision[]>;
  /** The store runs updates in the order they were started. */
  readonly ordered: boolean;
  /** Tells the others (the bus; nothing where the store publishes itself) and this manager. */
  announce(message: LeaseMessage): void;
}

export class Releases {
  /** Releases in flight: token → name. */
  readonly #releasing = new Map<string, string>();
  /** The release updates in flight. */
  readonly #inFlight = new Set<Promise<unknown>>();
  /** Tokens of releases in flight that a pagehide into the back/forward cache gave up. */
  readonly #givenUp = new Set<string>();
  /** Places given up in this task, per name, released together. */
  readonly #abandoned = new Map<string, Array<Released & { readonly after: Promise<unknown> | undefined }>>();

  constructor(private readonly hooks: ReleaseHooks) {}

  /** A waiter gave up its stored place: released with the others given up in this task. */
  abandon(name: string, token: string, mode: LockMode, after?: Promise<unknown>): void {
    let batch = this.#abandoned.get(name);
    if (!batch) {
      this.#abandoned.set(name, (batch = []));
      if (this.#abandoned.size === 1) queueMicrotask(() => this.flush());
    }
    batch.push({ token, mode, after });
  }

  /** Removes the entries of `name` in one update, once `after` has settled (unordered stores); announces the result. */
  async release(name: string, entries: readonly Released[], after?: Promise<unknown>): Promise<void> {
    for (const { token } of entries) this.#releasing.set(token, name);
    const announce = (results: readonly RuleResult[]): LeaseMessage => releasedAll(name, results as readonly Decision[]);
    const run = (): Promise<Decision[]> => this.hooks.decide(entries.map(({ token, mode }) => [name, token, mode, 'release']), announce);
    const running = after && !this.hooks.ordered ? after.then(nothing, nothing).then(run) : run();
    this.#inFlight.add(running);
    let message: LeaseMessage;
    try {
      message = releasedAll(name, await running);
    } catch (error) {
      // Given up at a pagehide into the back/forward cache while this was in flight: done.
      if (entries.some(({ token }) => this.#givenUp.has(token))) return;
      throw error;
    } finally {
      for (const { token } of entries) {
        this.#releasing.delete(token);
        this.#givenUp.delete(token);
      }
      this.#inFlight.delete(running);
    }
    this.hooks.announce(message);
  }

  /** At a pagehide into the back/forward cache: the releases in flight, and those not started yet, are given up. Returns [token, name] of each. */
  giveUp(): Array<[string, string]> {
    const releasing = [...this.#releasing];
    for (const [token] of releasing) this.#givenUp.add(token);
    // Places given up in this very task, not started: a cached page starts no transaction (manager.ts
    // `#onHide`); announced dead like the rest, they are pruned by the others and lapse on their own.
    for (const [name, batch] of this.#abandoned) for (const { token } of batch) releasing.push([token, name]);
    this.#abandoned.clear();
    return releasing;
  }

  /** Resolves once every release started so far (places given up included) has settled. */
  async settled(): Promise<void> {
    this.flush();
    await Promise.allSettled([...this.#inFlight]);
  }

  /** Starts the releases of the places given up so far (at once; see the module comment). */
  flush(): void {
    const batches = [...this.#abandoned];
    this.#abandoned.clear();
    for (const [name, batch] of batches) {
      const afters = batch.flatMap((b) => (b.after ? [b.after] : []));
      void this.release(name, batch, afters.length > 0 ? Promise.allSettled(afters) : undefined).catch(nothing);
    }
  }
}
