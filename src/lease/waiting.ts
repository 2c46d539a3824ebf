/**
 * The waiting requests of one manager, queued locally per lock name, every one of them holding a place
 * in the stored queue from the moment it is made: grant order is request order across tabs, as the Web
 * Locks spec's FIFO asks (a tab's second request is never overtaken by another tab's later one).
 *
 * A name's requests are served in ROUNDS: one atomic update that asks for each of them in local order
 * (`wait` intent: take, or keep a place in the stored queue), each decided on what the one before wrote,
 * so one round may grant several (shared requests at the head) and places the rest behind them. One loop
 * per name runs a round, then sleeps until woken (a message said something changed, or a request was
 * added), until the entry in the way expires, or for a backoff that doubles from `retryMs` to `renewMs`
 * (the safety net for a lost message; `renewMs` also keeps the stored places from lapsing). Heartbeat
 * ticks wake sleepers without resetting the backoff.
 *
 * A request added while others of its name wait is placed AT ONCE on an ordered store (IndexedDB runs
 * transactions in creation order, so its place comes before any request another tab makes after it,
 * even while a round is in flight), by a PLACING round beside the loop's; at most one placing round is
 * in flight per name: a request added while one is goes to the loop (woken, or told to run again the
 * moment its round ends). So a name never has more than two updates of this tab in flight for its
 * waiters, however many requests pile up while the store is held up (a page paused inside a
 * transaction blocks every other; `npm run chaos` leases-mixed, seed 3066229778: one update per
 * request made the store take seconds to drain after the pause). The price: a request made while both
 * are in flight is placed when the loop's round ends, so another tab's request made meanwhile may come
 * first. On an unordered store (Redis) the loop's next round places it (one round in flight per name,
 * so its place never lands before an earlier request's).
 *
 * A waiter that gives up (abort, timeout, close) is removed at once and rejected with its signal's
 * reason; if it ever reached the store, a release is started right away (the manager batches the ones
 * of a task per name), which runs once the round last started for it has settled, so it leaves no
 * trace in the stored queue. No round for the others: they keep their places, and the release hands
 * the lock to every request it can promote (each told by a handoff) or, promoting none with nobody
 * queued, wakes the waiters of the name (manager.ts `#receive`). (IndexedDB would order the two
 * anyway; an optimistic store (Redis) would not: the round, retried on the record the release left, put
 * the token back. Seen in the conformance suite on Redis: a timed-out waiter kept its place.)
 *
 * INVARIANT: a round's answer is bound to the tokens it was made with. `pagehide` gives every waiter a
 * new token and tells the other tabs the old ones are dead; a round still in flight then may come back
 * "take" under an old token, which the others will prune. Such an answer is dropped (and the old token's
 * entry removed), and the request asks again under its new token: it never holds under a token the
 * other tabs consider dead (the bfcache bug: pagehide persisted → pageshow).
 * INVARIANT: a round only asks for requests still waiting when it starts, so on an ordered store it runs
 * before any release of theirs and never puts back a place their release removed.
 */
import type { Grant } from '../core/grant.js';
import { randomId } from '../core/random.js';
import type { LockMode } from '../core/types.js';
import type { Decision } from './decide.js';
import type { Handoff } from './messages.js';
import { expiryOf } from './record.js';
import type { Waiter, WaitingHooks } from './waiter.js';

export type { Start, Waiter, WaitingHooks } from './waiter.js';

interface Entry extends Waiter {
  resolve(grant: Grant): void;
  reject(reason: unknown): void;
  done: boolean;
  /** Asked the store at least once, so a stored entry (or even a grant) may exist for its token. */
  touched: boolean;
  /** The round last started for it (a release of its token must run after it). */
  attempt?: Promise<unknown>;
  cleanup(): void;
}

/** The waiters of one name, in request order, and whether its loop owes them a round at once. */
interface Queue {
  readonly entries: Entry[];
  /** A request was added (or a token replaced) while a round was in flight: run the next round now. */
  again: boolean;
}

/** What a round found: how to go on (`Queue.again`: at once). */
interface Outcome {
  /** The store failed but may answer again (Redis reconnecting): retry on the backoff. */
  readonly transient: boolean;
  /** The earliest expiry among the entries in the way (wall-clock ms), if any. */
  readonly retryAt: number | undefined;
  /** It granted a request: the ones behind it start their backoff afresh. */
  readonly granted: boolean;
}

export class Waiting {
  readonly #queues = new Map<string, Queue>();
  readonly #wakers = new Map<string, (reset: boolean) => void>();
  /** Names with a placing round in flight. */
  readonly #placing = new Set<string>();
  /** Serving loops and rounds started outside them, for `drained()`. */
  readonly #running = new Set<Promise<unknown>>();

  constructor(private readonly hooks: WaitingHooks) {}

  get size(): number {
    let n = 0;
    for (const queue of this.#queues.values()) n += queue.entries.length;
    return n;
  }

  busy(name: string): boolean {
    return (this.#queues.get(name)?.entries.length ?? 0) > 0;
  }

  all(): Array<[string, Waiter]> {
    return [...this.#queues].flatMap(([name, queue]) => queue.entries.map((e): [string, Waiter] => [name, e]));
  }

  enqueue(name: string, waiter: Waiter): Promise<Grant> {
    return new Promise<Grant>((resolve, reject) => {
      if (waiter.signal.aborted) {
        reject(waiter.signal.reason);
        return;
      }
      const entry: Entry = { ...waiter, resolve, reject, done: false, touched: false, cleanup: () => {} };
      const onAbort = (): void => this.#abandon(name, entry, waiter.signal.reason);
      waiter.signal.addEventListener('abort', onAbort, { once: true });
      entry.cleanup = () => waiter.signal.removeEventListener('abort', onAbort);
      let queue = this.#queues.get(name);
      if (!queue) this.#queues.set(name, (queue = { entries: [], again: false }));
      queue.entries.push(entry);
      this.hooks.onBusy();
      if (queue.entries.length === 1) this.#track(this.#serve(name, queue));
      // Every waiter of the name, in order, not only the new one: an earlier waiter's place may have lapsed
      // (a long task, a machine asleep), and must be put back AHEAD of the new one (review: a tab's own
      // second request was granted before its first).
      else if (this.hooks.ordered && !this.#placing.has(name)) {
        // Per name, not per queue: a queue emptied and made again meanwhile shares the bound.
        this.#placing.add(name);
        this.#track(this.#round(name, queue, [...queue.entries]).finally(() => this.#placing.delete(name)));
      } else {
        queue.again = true;
        this.#wakers.get(name)?.(false);
      }
    });
  }

  /** Something changed for `name` (a release with nobody queued, a holder gone): its waiters ask again now. */
  wake(name: string): void {
    this.#wakers.get(name)?.(true);
  }

  /**
   * A release of THIS manager handed the lock to the request `handoff.token` (direct handoff; the decision
   * is the store's, so it is not asked again): it holds it from now until `handoff.expires` unless renewed. Unknown or finished tokens are ignored (a request that gave
   * up meanwhile has a release on its way, which undoes the handoff; a token replaced at pagehide is
   * dead to every tab).
   */
  handedOver(name: string, handoff: Handoff, generation: number): void {
    const entry = this.#queues.get(name)?.entries.find((e) => e.token === handoff.token);
    if (!entry || entry.done) return;
    this.#remove(name, entry);
    // Its own round may still be in flight: on an unordered store, its release must not overtake it.
    // No round for the others: they hold their places already, and a release promotes every request it
    // can (all the shared ones at the head), each told by its own handoff.
    entry.resolve(this.hooks.grant(name, entry, handoff, generation, { after: entry.attempt }));
  }

  /**
   * A message from another manager said a release handed the lock to some of these tokens: it is a hint,
   * never a grant (messages.ts). The name's waiters ask the store at once (a round in flight is followed by
   * another at once), and a request holds only if the record says it does.
   */
  confirm(name: string, tokens: readonly string[]): void {
    const queue = this.#queues.get(name);
    if (!queue || !queue.entries.some((e) => tokens.includes(e.token))) return;
    queue.again = true;
    this.#wakers.get(name)?.(true);
  }

  /** A heartbeat: every sleeping loop asks again (refreshing its stored places); backoffs continue. */
  wakeAll(): void {
    for (const wake of [...this.#wakers.values()]) wake(false);
  }

  /**
   * For `pagehide`: the stored places are about to be declared gone, so every waiter that has one gets
   * a new token (it rejoins the queue when the page runs again). Returns the old tokens.
   */
  forgetPlaces(): Array<[string, { token: string; mode: LockMode }]> {
    const old: Array<[string, { token: string; mode: LockMode }]> = [];
    for (const [name, queue] of this.#queues) {
      for (const entry of queue.entries) {
        if (!entry.touched) continue;
        old.push([name, { token: entry.token, mode: entry.mode }]);
        entry.token = randomId();
        entry.touched = false;
      }
    }
    return old;
  }

  /** Resolves once every serving loop and round has ended (after close, every waiter has been rejected). */
  async drained(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }

  #track(running: Promise<unknown>): void {
    const tracked = running.finally(() => this.#running.delete(tracked));
    this.#running.add(tracked);
  }

  async #serve(name: string, queue: Queue): Promise<void> {
    const { retryMs, renewMs } = this.hooks.settings;
    let backoff = retryMs;
    while (queue.entries.length > 0) {
      queue.again = false;
      const outcome = await this.#round(name, queue, [...queue.entries]);
      if (queue.entries.length === 0) return;
      if (outcome.granted) backoff = retryMs;
      if (queue.again) continue;
      if (outcome.transient) {
        await this.#sleep(name, backoff);
        backoff = Math.min(backoff * 2, renewMs);
        continue;
      }
      const untilExpiry = outcome.retryAt === undefined ? Infinity : Math.max(0, outcome.retryAt - this.hooks.start().wall);
      const delay = Math.min(backoff, untilExpiry, renewMs);
      backoff = Math.min(backoff * 2, renewMs);
      if (await this.#sleep(name, delay)) backoff = retryMs;
    }
  }

  /** Asks for `entries` (still waiting, in request order) in one update, and acts on each answer. */
  async #round(name: string, queue: Queue, entries: readonly Entry[]): Promise<Outcome> {
    const tokens = entries.map((e) => e.token);
    const start = this.hooks.start();
    // Touched BEFORE the update starts: a pagehide inside it (its transaction's creation) must count
    // these places as stored, replace their tokens and declare the old ones dead (the bfcache e2e test).
    for (const entry of entries) entry.touched = true;
    let decisions: Decision[] | undefined;
    let failure: unknown;
    let transient = false;
    let retryAt: number | undefined;
    let granted = false;
    try {
      const attempt = this.hooks.attempt(name, entries.map(({ token, mode }) => ({ token, mode })));
      for (const entry of entries) entry.attempt = attempt;
      decisions = await attempt;
    } catch (error) {
      // A round in flight at a pagehide into the back/forward cache is aborted with the page's
      // transactions (connection.ts): not the waiters' failure, they rejoin under their new tokens.
      failure = error;
      transient = this.hooks.transient?.(error) ?? false;
    }
    entries.forEach((entry, i) => {
      const token = tokens[i]!;
      const decision = decisions?.[i];
      if (entry.token !== token) {
        // pagehide replaced the token while the round was in flight (see the INVARIANT above): the old
        // one is released (even for a waiter that gave up since: its own release was of the new token),
        // and the waiter asks again at once (the loop does, even for a round started outside it).
        this.hooks.abandon(name, token, entry.mode);
        if (!entry.done) queue.again = true;
      } else if (entry.done) {
        // gave up meanwhile; its release runs once this round has settled
      } else if (!decision) {
        if (!transient) {
          this.#remove(name, entry);
          entry.reject(failure);
        }
      } else if (decision.verdict === 'take') {
        granted = true;
        this.#remove(name, entry);
        entry.resolve(this.hooks.grant(name, entry, start, decision.record.generation, { expires: expiryOf(decision.record, token) }));
      } else if (decision.retryAt !== undefined) {
        retryAt = Math.min(retryAt ?? Infinity, decision.retryAt);
      }
    });
    return { transient, retryAt, granted };
  }

  /** Sleeps up to `delay` ms; resolves true if woken by a message, false otherwise. */
  #sleep(name: string, delay: number): Promise<boolean> {
    return new Promise((resolve) => {
      const finish = (reset: boolean): void => {
        clearTimeout(timer);
        if (this.#wakers.get(name) === finish) this.#wakers.delete(name);
        resolve(reset);
      };
      const timer = setTimeout(() => finish(false), delay);
      this.#wakers.set(name, finish);
    });
  }

  #abandon(name: string, entry: Entry, reason: unknown): void {
    if (entry.done) return;
    this.#remove(name, entry);
    if (entry.touched) this.hooks.abandon(name, entry.token, entry.mode, entry.attempt);
    entry.reject(reason);
  }

  #remove(name: string, entry: Entry): void {
    entry.done = true;
    entry.cleanup();
    const queue = this.#queues.get(name);
    const at = queue?.entries.indexOf(entry) ?? -1;
    if (queue && at >= 0) queue.entries.splice(at, 1);
    if (queue?.entries.length === 0) {
      this.#queues.delete(name);
      this.#wakers.get(name)?.(false); // its loop, asleep, ends now (not at its timer: close() waits for it)
    }
    this.hooks.onBusy();
  }
}
