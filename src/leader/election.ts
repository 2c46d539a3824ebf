/**
 * `LeaderElection`: one leader per election name, over any crosslock `LockManager`. Its lock, `lockName`,
 * is `leader+<name>` (crosslock's own namespace, core/names.ts: an app's lock `<name>` never meets it; the
 * layers' elections are `service+`/`backup+`), the name checked against its full length when made.
 *
 * Leadership IS holding the election's lock (exclusive, checked, waited for without a timeout), so
 * there are never two leaders by the lock's own guarantee, and the term is the lock's generation: it
 * goes up whenever another election takes over, so it fences the old leader's writes (`FencedStore`).
 *
 * What the lock alone does not give, added here:
 * - WHO leads, for everyone: the leader announces itself (`beat`) when it starts and every
 *   `heartbeatMs`, and says `gone` when it stops; followers fold that into a view (view.ts) and check
 *   it against the lock when the beats stop (a free lock means nobody leads: a crashed leader is never
 *   named for long).
 * - A FROZEN OR WEDGED leader on Web Locks keeps its lock for ever (w3c/web-locks#4). When its beats
 *   have stopped for `staleAfterMs`, the follower first in the lock's queue steals the lock, which raises
 *   the term, so the thawed ex-leader's signal aborts (`LockLostError('stolen')`) and its fenced writes
 *   are refused. Guarded so that a frozen follower or a flapping pair never steals in a loop (steal.ts).
 *   Leases need none of it: a frozen holder's lease lapses and the next follower is granted the lock.
 * - A leader THAWED after a freeze must not act on its old belief while a steal's notice may still be
 *   queued behind its own tasks: reading `isLeader` or the leadership's `signal` checks, synchronously,
 *   that its last beat is younger than `staleAfterMs - heartbeatMs` (a steal needs `staleAfterMs`
 *   without a beat on the follower's clock), and steps down (`LeadershipEndedError('stale')`) when not.
 *   The fencing token stays the real guarantee; this keeps a thawed leader from even trying.
 * - Beats and checks run on the worker ticker (stores/indexeddb/ticker.ts), so a HIDDEN leader, whose
 *   page timers the browser throttles, keeps beating and is not mistaken for a dead one.
 * - `lead()` NEVER DIES SILENTLY (only `close()`, the caller's abort or a closed manager end it; any other
 *   failure is an `'error'` event and a capped backoff), and AFTER `close()` RESOLVES nothing leads, the
 *   `lead()` under way has settled and the lock is released, wherever the close lands: campaign.ts.
 *
 * Constants: `heartbeatMs` 1000 (a beat a second costs nothing, and several can be lost before anyone
 * worries); `staleAfterMs` 10,000: longer than the long tasks a wallet runs on its main thread (key
 * derivation, signing in WASM: seconds), short enough that a frozen leader is replaced within ~10 s.
 */
import { clusterChannels } from '../core/channel.js';
import { LockLostError, ManagerClosedError } from '../core/errors.js';
import type { LockGuard, LockManager } from '../core/types.js';
import { Ticker } from '../stores/indexeddb/ticker.js';
import { announcementBus, type AnnouncementBus } from './bus.js';
import { run, type Campaign } from './campaign.js';
import { ElectionBusyError, LeadershipEndedError } from './errors.js';
import { leadership, type Leader as Leading, type Leadership } from './leadership.js';
import { LEADER_PROTOCOL_VERSION as v, type LeaderMessage } from './messages.js';
import { ElectionErrorEvent, LeaderChangeEvent, parseElectionOptions, parseLeadOptions, type LeaderElectionOptions } from './options.js';
import { missedTicks, takeOverIn } from './steal.js';
import { checked, EMPTY_VIEW, observe, sameLeader, type LeaderInfo, type View } from './view.js';
import { shouldHandOff } from './visible.js';

/** The typed `change` and `error` listeners (declaration merging: no code). */
export interface LeaderElection {
  addEventListener(type: 'change', listener: (event: LeaderChangeEvent) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: 'error', listener: (event: ElectionErrorEvent) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
  removeEventListener(type: 'change', listener: (event: LeaderChangeEvent) => void, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: 'error', listener: (event: ElectionErrorEvent) => void, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void;
}

export class LeaderElection extends EventTarget {
  // Set by parseElectionOptions() in the constructor.
  declare readonly name: string;
  /** The election's lock as `query()` lists it: `leader+<name>` (see the module comment). */
  declare readonly lockName: string;
  declare readonly heartbeatMs: number;
  declare readonly staleAfterMs: number;
  declare readonly preferVisible: boolean;
  readonly #manager: LockManager;
  /** Visible followers heard from (preferVisible): clientId → when. */
  readonly #visible = new Map<string, number>();
  readonly #bus: AnnouncementBus;
  readonly #ticker: Ticker;
  readonly #closer = new AbortController();
  #view: View = EMPTY_VIEW;
  #leading: Leading | undefined;
  /** The pending wait for the lock, aborted to steal instead. */
  #waiting: AbortController | undefined;
  /** The `lead()` under way (settled once it is not): what `close()` waits for. */
  #campaign: Promise<unknown> | undefined;
  #campaigning = false;
  /** What the campaign of `lead()` (campaign.ts) may do to this election. */
  readonly #hooks: Campaign = {
    election: this,
    closer: this.#closer.signal,
    manager: () => this.#manager,
    waiting: (wait) => ((this.#waiting = wait), this.#sayVisible()),
    busy: (on) => void (this.#campaigning = on),
    handsOff: () => this.#handsOff(),
    become: (guard, stole) => this.#become(guard, stole),
  };
  #lastTick = now();
  #healthySince = now();
  #stoleAt = -Infinity;
  #steals = 0;
  #holder: string | undefined;
  #checking = false;
  #recheck: ReturnType<typeof setTimeout> | undefined;

  constructor(manager: LockManager, name: string, options: LeaderElectionOptions = {}) {
    super();
    if (typeof manager?.lock !== 'function' || typeof manager.query !== 'function') throw new TypeError('LeaderElection needs a crosslock LockManager');
    parseElectionOptions(this, manager.prefix, name, options);
    this.#manager = manager;
    // Restored from the back/forward cache: ask who leads (the view may be long out of date), and say so if it is us.
    this.#bus = announcementBus(manager.scope, `${manager.prefix ?? ''}:${this.lockName}`, this.#receive, () => (this.#bus.post({ v, t: 'ask' }), this.#beat()), clusterChannels(manager));
    this.#bus.post({ v, t: 'ask' });
    this.#ticker = new Ticker(this.heartbeatMs);
    this.#ticker.subscribe(this.#onTick);
    if (this.preferVisible && typeof document !== 'undefined') {
      document.addEventListener('visibilitychange', this.#onVisibility);
      this.#closer.signal.addEventListener('abort', () => document.removeEventListener('visibilitychange', this.#onVisibility), { once: true });
    }
  }

  /** Who leads, as far as this election knows (its own leadership at once; others' from their beats). */
  get leader(): LeaderInfo | null {
    return this.#view.leader;
  }

  /** This election's leadership while it leads (`null` otherwise), e.g. for another part of the app to fence its writes with. */
  get leadership(): Leadership | null {
    return this.isLeader ? this.#leading!.leadership : null;
  }

  /** Whether this election leads now; checks what can be checked synchronously (see `Leadership.signal`). */
  get isLeader(): boolean {
    return !!this.#leading && !this.#leading.leadership.signal.aborted;
  }

  /**
   * Waits, for as long as it takes, to lead. Rejects with the signal's reason when aborted,
   * `ManagerClosedError` when the election or its manager closes, `ElectionBusyError` while this
   * election already leads or waits. Any other failure is an `'error'` event, and it goes on (see above).
   */
  lead(options: { signal?: AbortSignal } = {}): Promise<Leadership> {
    let signal: AbortSignal | undefined;
    try {
      signal = parseLeadOptions(options);
      if (this.#closer.signal.aborted) throw this.#closer.signal.reason;
      if (this.#leading || this.#campaigning) throw new ElectionBusyError(this.name);
      if (signal?.aborted) throw signal.reason;
    } catch (error) {
      return Promise.reject(error);
    }
    // Not wrapped in another promise: once `close()` has waited for this one, the caller's has settled.
    const campaign = run(this.#hooks, signal);
    this.#campaign = campaign.catch(() => {});
    return campaign;
  }

  /**
   * Stops taking part: a pending `lead()` rejects with `ManagerClosedError`, a leadership ends
   * (`LeadershipEndedError('closed')`). Resolves once nothing leads, the `lead()` under way has settled,
   * and the lock is released.
   */
  async close(): Promise<void> {
    if (!this.#closer.signal.aborted) this.#closer.abort(new ManagerClosedError(`the election "${this.name}" was closed`));
    this.#ticker.stop();
    clearTimeout(this.#recheck);
    const leading = this.#leading;
    const ended = leading && this.#end(leading, new LeadershipEndedError('closed', this.name));
    await this.#campaign;
    await ended;
    this.#bus.close();
  }

  #become(guard: LockGuard, stole: boolean): Leadership {
    const t = now();
    if (stole) {
      this.#stoleAt = t;
      this.#steals++;
    } else this.#steals = 0;
    const made = leadership(
      this.name,
      guard,
      (reason) => this.#end(current, reason),
      () => new LeadershipEndedError('resigned', this.name),
      () => void this.#sure(current),
    );
    // Sure of it since the last moment this election knows it ran (its last tick), not since now: a
    // page frozen between the grant and here may already have been stolen from.
    const current: Leading = { ...made, release: undefined, beatAt: Math.min(t, this.#lastTick) };
    this.#leading = current;
    guard.signal.addEventListener('abort', () => void this.#end(current, guard.signal.reason), { once: true });
    this.#beat();
    return made.leadership;
  }

  #onVisibility = (): void => {
    if (this.#leading) this.#considerHandOff();
    else this.#sayVisible();
  };

  /** A waiting follower whose page is visible says so (preferVisible), when it starts waiting, becomes visible, and on every tick. */
  #sayVisible(): void {
    if (this.preferVisible && this.#waiting && !hidden()) this.#bus.post({ v, t: 'visible', clientId: this.#manager.clientId });
  }

  #handsOff(): boolean {
    return this.preferVisible && shouldHandOff({ hidden: hidden(), visible: this.#visible, now: now(), freshMs: 2.5 * this.heartbeatMs });
  }

  /** A hidden leader hands off to a visible follower that still waits (visible.ts). */
  #considerHandOff(): void {
    const current = this.#leading;
    if (current && this.#handsOff()) void this.#end(current, new LeadershipEndedError('handed-off', this.name));
  }

  #end(current: Leading, reason: unknown): Promise<void> {
    if (!current.release) {
      current.release = Promise.resolve(); // ended: re-entrant checks (the abort's listeners read the signal) see it
      if (this.#leading === current) this.#leading = undefined; // an abort listener may lead() again at once
      current.controller.abort(reason instanceof LockLostError || reason instanceof LeadershipEndedError ? reason : new LeadershipEndedError('resigned', this.name));
      if (this.#leading === current) this.#leading = undefined;
      const gone: LeaderMessage = { v, t: 'gone', clientId: this.#manager.clientId, term: current.leadership.term };
      this.#bus.post(gone);
      this.#see(observe(this.#view, gone, now()));
      current.release = current.leadership.guard.release().catch(() => {});
    }
    return current.release;
  }

  /**
   * Whether `current` may still act as leader: a follower steals only after `staleAfterMs` without a
   * beat on its own clock, counted from a beat it received after this leader sent it, so a leader whose
   * last beat is younger than `staleAfterMs` cannot have been stolen from. Past
   * `staleAfterMs - heartbeatMs` (one beat of margin) it cannot be sure, and steps down ('stale'): its
   * thawed code must not act while a steal's notice may still be queued behind it.
   */
  #sure(current: Leading): boolean {
    if (current.release) return false;
    // Only Web Locks leaders are stolen from; a lease's own deadline is checked by its guard.
    if (this.#manager.backend !== 'web-locks' || now() - current.beatAt < this.staleAfterMs - this.heartbeatMs) return true;
    void this.#end(current, new LeadershipEndedError('stale', this.name));
    return false;
  }

  #beat(): void {
    const leading = this.#leading;
    const lead = leading?.leadership;
    if (!lead || lead.signal.aborted || !this.#sure(leading!)) return;
    // The app released the guard itself: that ends the leadership (no lock, no leader).
    if (lead.guard.released) return void this.#end(leading!, new LeadershipEndedError('resigned', this.name));
    const message: LeaderMessage = { v, t: 'beat', clientId: this.#manager.clientId, term: lead.term, since: this.#view.leader?.term === lead.term ? this.#view.leader.since : Date.now() };
    this.#bus.post(message);
    leading!.beatAt = now();
    this.#see(observe(this.#view, message, now()));
  }

  #receive = (message: LeaderMessage): void => {
    if (message.t === 'ask') this.#beat();
    else if (message.t === 'visible') {
      if (!this.preferVisible) return;
      this.#visible.set(message.clientId, now());
      if (this.#visible.size > 64) this.#visible.delete(this.#visible.keys().next().value!); // bounded
      this.#considerHandOff();
    } else this.#see(observe(this.#view, message, now()));
  };

  #see(next: View): void {
    const before = this.#view.leader;
    this.#view = next;
    if (!sameLeader(before, next.leader)) this.dispatchEvent(new LeaderChangeEvent(next.leader));
  }

  #onTick = (): void => {
    const t = now();
    if (missedTicks(t - this.#lastTick, this.heartbeatMs)) this.#healthySince = t;
    this.#lastTick = t;
    if (this.#leading) return this.#beat();
    this.#sayVisible(); // on every tick: the leader checks its queue each time it hears it
    // Beats late: check the lock (who holds it, who is first in line), at most one check at a time.
    if ((this.#view.leader || this.#waiting) && t - this.#view.beatAt > 2.5 * this.heartbeatMs && !this.#checking) void this.#check();
  };

  async #check(): Promise<void> {
    // Called by the recheck timer too: a follower that was not running is not healthy, whoever calls.
    const t = now();
    if (missedTicks(t - this.#lastTick, this.heartbeatMs)) this.#healthySince = t;
    this.#checking = true;
    try {
      const { held, pending } = await this.#manager.query();
      const holder = held.find((l) => l.name === this.lockName);
      this.#see(checked(this.#view, !holder));
      const holderId = holder ? (holder.clientId ?? '?') : undefined;
      if (holderId !== undefined && this.#holder !== undefined && holderId !== this.#holder) {
        // The lock changed hands (a takeover): the new leader gets its full staleAfterMs to beat.
        this.#view = { ...this.#view, beatAt: now() };
      }
      this.#holder = holderId;
      const first = pending.find((l) => l.name === this.lockName)?.clientId === this.#manager.clientId;
      const canSteal = this.#manager.backend === 'web-locks' && holder !== undefined && this.#waiting;
      if (!canSteal) return;
      const wait = takeOverIn({ now: now(), beatAt: this.#view.beatAt, healthySince: this.#healthySince, first, stoleAt: this.#stoleAt, steals: this.#steals, staleAfterMs: this.staleAfterMs });
      if (wait === 0) this.#waiting!.abort();
      // Due before the next tick: check again at that moment (a tick would be up to a heartbeat late).
      else if (wait < this.heartbeatMs && !this.#recheck && !this.#closer.signal.aborted) this.#recheck = setTimeout(() => ((this.#recheck = undefined), this.#checking || void this.#check()), wait);
    } catch {
      // The manager closed or its storage failed: the next tick checks again.
    } finally {
      this.#checking = false;
    }
  }
}

const now = (): number => performance.now();
/** Whether this realm is a hidden page (a worker has no page: never hidden). */
const hidden = (): boolean => typeof document !== 'undefined' && document.visibilityState === 'hidden';
