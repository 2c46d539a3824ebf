/**
 * The waiting requests of one manager, queued locally per lock name so that only the first of them
 * talks to IndexedDB at a time (FIFO within the tab; the stored queue orders tabs).
 *
 * The first waiter of a name is served by one loop: ask (`wait` intent: take, or keep a place in the
 * stored queue) → if refused, sleep until woken (a message said something changed), until the entry in
 * the way expires, or for a backoff that doubles from `retryMs` to `renewMs` (the safety net for a lost
 * message; `renewMs` also keeps the stored place from lapsing). Heartbeat ticks wake sleepers without
 * resetting the backoff.
 *
 * A waiter that gives up (abort, timeout, close) is removed at once and rejected with its signal's
 * reason; if it ever reached the store, a release is started right away, which runs once any attempt
 * still in flight for it has settled, so it leaves no trace in the stored queue. (IndexedDB would order
 * the two anyway; an optimistic store (Redis) would not: the attempt, retried on the record the release
 * left, put the token back. Seen in the conformance suite on Redis: a timed-out waiter kept its place.)
 *
 * INVARIANT: an attempt's answer is bound to the token it was made with. `pagehide` gives every waiter
 * a new token and tells the other tabs the old ones are dead; an attempt still in flight then may come
 * back "take" under the old token, which the others will prune. Such an answer is dropped (and the old
 * token's entry removed), and the request asks again under its new token: it never holds under a
 * token the other tabs consider dead (the bfcache bug: pagehide persisted → pageshow).
 */
import type { LockLostKind } from '../core/errors.js';
import type { Grant } from '../core/manager.js';
import { randomId } from '../core/random.js';
import type { LockMode } from '../core/types.js';
import type { Decision } from './decide.js';
import type { GrantDetails } from './holders.js';
import type { Handoff } from './messages.js';
import { expiryOf } from './record.js';
import type { LeaseSettings } from './settings.js';

/** When an attempt started, on both clocks (see clock.ts): a grant's deadlines count from there. */
export interface Start {
  readonly wall: number;
  readonly mono: number;
}

export interface Waiter {
  readonly mode: LockMode;
  /** Identifies this request in the stored queue, and its grant once granted. */
  token: string;
  readonly signal: AbortSignal;
  readonly lost: (kind: LockLostKind, detail?: string) => void;
}

interface Entry extends Waiter {
  resolve(grant: Grant): void;
  reject(reason: unknown): void;
  done: boolean;
  /** Asked IndexedDB at least once, so a stored entry (or even a grant) may exist for its token. */
  touched: boolean;
  /** The attempt last started for it (a release of its token must run after it). */
  attempt?: Promise<unknown>;
  cleanup(): void;
}

export interface WaitingHooks {
  attempt(name: string, token: string, mode: LockMode): Promise<Decision>;
  /** Removes a token from the stored record, once `after` (an attempt in flight for it) has settled; never throws. */
  abandon(name: string, token: string, mode: LockMode, after?: Promise<unknown>): void;
  /** Both clocks, now. */
  start(): Start;
  /** A grant from the attempt started at `start`, or from a handoff whose lease ends at `handoff.expires`. */
  grant(name: string, waiter: Waiter, from: Start | Handoff, generation: number, details: GrantDetails): Grant;
  readonly settings: Pick<LeaseSettings, 'retryMs' | 'renewMs'>;
  /** The number of waiters changed. */
  onBusy(): void;
  /**
   * Whether a failed attempt is worth retrying (a store whose server may come back: Redis unreachable).
   * Then the waiter keeps waiting, retrying on its backoff, until it is granted, gives up or times out;
   * otherwise it is rejected with the error. Absent: never (IndexedDB's failures do not heal by waiting).
   */
  readonly transient?: ((error: unknown) => boolean) | undefined;
}

export class Waiting {
  readonly #queues = new Map<string, Entry[]>();
  readonly #wakers = new Map<string, (reset: boolean) => void>();
  readonly #loops = new Set<Promise<void>>();

  constructor(private readonly hooks: WaitingHooks) {}

  get size(): number {
    let n = 0;
    for (const queue of this.#queues.values()) n += queue.length;
    return n;
  }

  busy(name: string): boolean {
    return (this.#queues.get(name)?.length ?? 0) > 0;
  }

  all(): Array<[string, Waiter]> {
    return [...this.#queues].flatMap(([name, queue]) => queue.map((e): [string, Waiter] => [name, e]));
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
      if (!queue) this.#queues.set(name, (queue = []));
      queue.push(entry);
      this.hooks.onBusy();
      if (queue.length === 1) {
        const loop = this.#serve(name, queue).finally(() => this.#loops.delete(loop));
        this.#loops.add(loop);
      }
    });
  }

  /** Something changed for `name` (a release with nobody queued, a holder gone): its first waiter asks again now. */
  wake(name: string): void {
    this.#wakers.get(name)?.(true);
  }

  /**
   * A release handed the lock to the request `handoff.token` (direct handoff): it holds it from now
   * until `handoff.expires` unless renewed. Unknown or finished tokens are ignored (a request that gave
   * up meanwhile has a release on its way, which undoes the handoff; a token replaced at pagehide is
   * dead to every tab).
   */
  handedOver(name: string, handoff: Handoff, generation: number): void {
    const entry = this.#queues.get(name)?.find((e) => e.token === handoff.token);
    if (!entry || entry.done) return;
    this.#remove(name, entry);
    // Its own attempt may still be in flight: on an unordered store, its release must not overtake it.
    entry.resolve(this.hooks.grant(name, entry, handoff, generation, { after: entry.attempt }));
    this.wake(name); // the loop moves on to the next request of this tab
  }

  /** A heartbeat: every sleeping waiter asks again (refreshing its stored place); backoffs continue. */
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
      for (const entry of queue) {
        if (!entry.touched) continue;
        old.push([name, { token: entry.token, mode: entry.mode }]);
        entry.token = randomId();
        entry.touched = false;
      }
    }
    return old;
  }

  /** Resolves once every serving loop has ended (after close, every waiter has been rejected). */
  async drained(): Promise<void> {
    await Promise.allSettled([...this.#loops]);
  }

  async #serve(name: string, queue: Entry[]): Promise<void> {
    const { retryMs, renewMs } = this.hooks.settings;
    let backoff = retryMs;
    while (queue.length > 0) {
      const entry = queue[0]!;
      const token = entry.token;
      const start = this.hooks.start();
      entry.touched = true;
      let decision: Decision;
      try {
        const attempt = this.hooks.attempt(name, token, entry.mode);
        entry.attempt = attempt;
        decision = await attempt;
      } catch (error) {
        // An attempt in flight at a pagehide into the back/forward cache is aborted with the page's
        // transactions (connection.ts): not the waiter's failure, it rejoins under its new token.
        if (!entry.done && entry.token !== token) this.hooks.abandon(name, token, entry.mode);
        else if (!entry.done && this.hooks.transient?.(error)) {
          await this.#sleep(name, backoff);
          backoff = Math.min(backoff * 2, renewMs);
        } else if (!entry.done) {
          this.#remove(name, entry);
          entry.reject(error);
        }
        continue;
      }
      if (entry.done) continue; // gave up meanwhile; its release runs once this attempt has settled
      if (entry.token !== token) {
        // pagehide replaced the token while the attempt was in flight (see the INVARIANT above).
        this.hooks.abandon(name, token, entry.mode);
        continue;
      }
      if (decision.verdict === 'take') {
        this.#remove(name, entry);
        backoff = retryMs;
        entry.resolve(this.hooks.grant(name, entry, start, decision.record.generation, { expires: expiryOf(decision.record, token) }));
        continue;
      }
      const untilExpiry = decision.retryAt === undefined ? Infinity : Math.max(0, decision.retryAt - this.hooks.start().wall);
      const delay = Math.min(backoff, untilExpiry, renewMs);
      backoff = Math.min(backoff * 2, renewMs);
      if (await this.#sleep(name, delay)) backoff = retryMs;
    }
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
    this.wake(name);
  }

  #remove(name: string, entry: Entry): void {
    entry.done = true;
    entry.cleanup();
    const queue = this.#queues.get(name);
    const at = queue?.indexOf(entry) ?? -1;
    if (queue && at >= 0) queue.splice(at, 1);
    if (queue?.length === 0) this.#queues.delete(name);
    this.hooks.onBusy();
  }
}
