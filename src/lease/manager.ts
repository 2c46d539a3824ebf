/**
 * `LeaseLockManager`: the contract over lease records, in any store that can run a pure rule
 * atomically (`LeaseStore`: IndexedDB, Redis). It knows no store: the rule is `decide()`,
 * the record `record.ts`, and the store, bus, heartbeat, clock and page lifecycle are handed in.
 *
 * Protocol (the grant order is `decide()`'s; its module comment states it):
 * - a grant is a lease entry (owner, token, mode, expiry, its own lease length) in the lock's record,
 *   written in one atomic update; it is renewed every `renewMs` and lapses `leaseMs` after its last
 *   renewal. Managers sharing a store may run different settings: each entry is judged by its own.
 * - INVARIANT: a live entry is never taken over: another manager takes the lock only once the entry
 *   has expired (its holder crashed, froze or hung past its lease) or its holder said it is gone.
 * - INVARIANT: a holder learns of a lost lease before it can act on it (see holders.ts: two clocks,
 *   checks on tick, resume, signal read and hand-out; any refused or failed renewal aborts the signal).
 * - INVARIANT: generations never repeat for a name: they only go up while a record lives, a new or
 *   repaired record starts above the store's high-water mark, and sweeping raises that mark.
 * - INVARIANT: a message never grants or revokes (messages.ts): a handoff from another manager makes its
 *   waiter ask the store, a steal elsewhere makes the named holders renew, a `dead` notice counts only for
 *   entries of its sender's own owner and only where a page lifecycle exists; malformed messages are
 *   dropped with a `LockWarning`. This manager's own store decisions (its releases, its steals) are acted
 *   on at once.
 * - INVARIANT: after a store lost its records (a Redis restarted empty), nothing is granted until every
 *   lease from before can have ended (decide.ts `quietUntil`, the store's `born`); a store that knows when
 *   its records vanish (a deleted IndexedDB database) tells this manager, which tells every holder at once.
 * - waiting requests queue locally per name, each with a place in the stored queue from the start
 *   (refreshed like a lease), all asked for in one update per round (waiting.ts); a round runs when
 *   woken by a message (release, or a holder gone), when a blocking entry expires, and at least every
 *   `renewMs`.
 * - a release (releases.ts) removes entries of one name in one update and announces whom it handed the
 *   lock to; the places given up in one task go together.
 * - `pagehide`: the store may not finish while a page unloads, so the tab first tells the others which
 *   tokens are gone (they treat those entries as expired at once), then releases; its holders are told
 *   `LockLostError('pagehide')`. A page that may enter the back/forward cache (`persisted`) starts no
 *   transaction and stops listening (either would get it evicted, see `#onHide`); restored, it
 *   listens again and rejoins under new tokens (an attempt in flight across it is abandoned, waiting.ts).
 *   A release in flight at that pagehide is announced 'dead' like a holder's token, and its transaction,
 *   aborted by the cache, does not fail `release()`: the lock is given up (others take it at once), and
 *   the record is tidied by whoever takes it (`npm run chaos`, leases, 20,000 steps, seed 3066229778:
 *   an auto-release rejected with StorageError(AbortError)).
 * - records idle (free, unused for `SWEEP_IDLE_MS`) are swept in small batches while the manager is busy,
 *   each only when a second pass finds it unchanged (sweep.ts `TwoLooks`: a renewal rewrites a live
 *   holder's record, so a sweeper whose clock jumped ahead never deletes it).
 */
import type { LockLostKind } from '../core/errors.js';
import { InvalidOptionError, type StorageError, type StorageErrorKind } from '../core/errors.js';
import type { AcquireRequest, Grant } from '../core/grant.js';
import { BaseLockManager } from '../core/manager.js';
import { must, type ParsedLockOptions } from '../core/options.js';
import { randomId } from '../core/random.js';
import type { LockInfo, LockMode, LockSnapshot } from '../core/types.js';
import { nothing, type LeaseEnvironment, type LeaseLockOptions } from './env.js';
import { decide, type Decision, type Intent } from './decide.js';
import { Holders, type Held } from './holders.js';
import { parseMessage, PROTOCOL_VERSION, type LeaseMessage } from './messages.js';
import { DeadTokens } from './dead.js';
import { expiryOf, normalise } from './record.js';
import { Releases } from './releases.js';
import { answered, TRY_ANSWER_MS, type LeaseSettings } from './settings.js';
import type { UpdateHints } from './store.js';
import { SWEEP_BATCH, SWEEP_IDLE_MS, SweepPass, sweepable, TwoLooks } from './sweep.js';
import { Waiting, type Start } from './waiting.js';

export type { LeaseEnvironment, LeaseLockOptions, Lifecycle } from './env.js';

/** Storage failures that stay until something changes (handed on by `acquire`); 'failed' may be one transaction's. */
const LASTING: ReadonlyArray<StorageErrorKind | undefined> = ['blocked', 'unavailable', 'quota', 'version'];

export abstract class LeaseLockManager extends BaseLockManager<LeaseLockOptions> {
  readonly settings: Readonly<LeaseSettings>;
  readonly #env: LeaseEnvironment;
  readonly #waiting: Waiting;
  readonly #holders: Holders;
  readonly #releases: Releases;
  /** Grants their own owners said are gone (dead.ts). */
  readonly #dead = new DeadTokens();
  /** The failure of an update that came after its call had answered (see `acquire`). */
  #lateFailure: unknown;
  #unsubscribe: Array<() => void> | undefined;
  /** Stops listening to the bus; `undefined` while not listening (not active yet, or in the back/forward cache). */
  #unlisten: (() => void) | undefined;
  #disposed = false;
  #untick: (() => void) | undefined;
  readonly #sweep = new SweepPass();
  readonly #looks = new TwoLooks();

  constructor(prefix: unknown, settings: LeaseSettings, env: LeaseEnvironment) {
    super(prefix);
    this.settings = settings;
    this.#env = env;
    this.#releases = new Releases({
      decide: (items, announce) => this.#decide(items, announce),
      ordered: env.store.ordered,
      announce: (message) => {
        if (!env.store.announces) env.bus?.post(message);
        this.#receive(message, true);
      },
    });
    this.#holders = new Holders({
      clock: env.clock,
      leaseMs: settings.leaseMs,
      database: env.store.database,
      ownTime: env.store.ownTime,
      transient: env.transient,
      renew: (live) => this.#decide(live.map((h) => [h.name, h.token, h.mode, 'renew'])),
      release: (held) => this.#releases.release(held.name, [held], held.after),
      onBusy: () => this.#tickWhileBusy(),
    });
    this.#waiting = new Waiting({
      attempt: (name, requests) => this.#decide(requests.map(({ token, mode }) => [name, token, mode, 'wait'])),
      abandon: (name, token, mode, after) => this.#releases.abandon(name, token, mode, after),
      start: () => this.#start(),
      grant: (name, waiter, from, generation, details) => this.#holders.grant(name, waiter.mode, waiter.token, from, generation, waiter.lost, details),
      settings,
      ordered: env.store.ordered,
      onBusy: () => this.#tickWhileBusy(),
      transient: env.transient,
    });
  }

  protected override readonly extraLockKeys = ['steal'];

  protected override checkExtra({ extra: { steal }, mode, signal, timeout }: ParsedLockOptions): void {
    must('steal', steal, typeof steal === 'boolean', 'a boolean');
    // As in Web Locks: a steal is exclusive and never waits.
    if (steal && (mode === 'shared' || signal || timeout !== 0)) throw new InvalidOptionError('steal', 'needs mode "exclusive", timeout 0 and no signal');
  }

  protected async acquire(request: AcquireRequest): Promise<Grant | null> {
    this.#activate();
    const { name, mode, signal, lost } = request;
    if (request.extra.steal === true) return this.#steal(name, lost);
    if (signal) return this.#waiting.enqueue(name, { mode, token: randomId(), signal, lost });
    if (this.#waiting.busy(name)) return null; // requests of this manager wait ahead: not available
    // An earlier call that answered "not available" in time and whose update then FAILED for good (an open
    // blocked past openTimeoutMs, no storage): its error goes to this call, so such failures are never only nulls.
    const failed = this.#lateFailure;
    this.#lateFailure = undefined;
    if (failed) throw failed;
    const token = randomId();
    const start = this.#start();
    const deciding = this.#run(name, token, mode, 'acquire');
    const decision = this.#env.store.ordered ? await answered(deciding, TRY_ANSWER_MS) : await deciding;
    if (!decision) {
      // The store did not answer at once: not available now. A grant arriving later is given back.
      deciding.then(
        (late) => (late.verdict === 'take' ? this.#releases.release(name, [{ token, mode }]) : undefined),
        // Only a store that cannot be used (not a transaction aborted at a bfcache pagehide: 'failed').
        (error: unknown) => void (LASTING.includes((error as StorageError)?.kind) && (this.#lateFailure = error)),
      ).catch(nothing);
      return null;
    }
    if (decision.verdict !== 'take') return null;
    return this.#holders.grant(name, mode, token, start, decision.record.generation, lost, { expires: expiryOf(decision.record, token) });
  }

  /** Takes the lock from its holders at once (decide.ts `steal`) and tells them. */
  async #steal(name: string, lost: AcquireRequest['lost']): Promise<Grant> {
    const token = randomId();
    const start = this.#start();
    const decision = await this.#run(name, token, 'exclusive', 'steal');
    const message: LeaseMessage = { v: PROTOCOL_VERSION, t: 'stolen', name, tokens: decision.stolen.map((e) => e.token) };
    this.#env.bus?.post(message);
    this.#receive(message, true);
    return this.#holders.grant(name, 'exclusive', token, start, decision.record.generation, lost, { expires: expiryOf(decision.record, token) });
  }

  /** Both clocks, now: an attempt's start (its grant's deadlines count from it). */
  #start(): Start {
    return { wall: this.#env.clock.now(), mono: this.#env.clock.mono() };
  }

  protected async snapshot(): Promise<LockSnapshot> {
    // A snapshot shows every release this manager started before it (an abandoned wait, a release):
    // IndexedDB runs transactions in creation order anyway, Redis does not order two updates in flight.
    await this.#releases.settled();
    const rows = await this.#env.store.active();
    const now = this.#env.clock.now();
    const dead = this.#dead.at(this.#env.clock.now());
    const held: LockInfo[] = [];
    const pending: LockInfo[] = [];
    const stored = new Set<string>();
    for (const [name, value] of rows) {
      let record;
      try {
        ({ record } = normalise(value, now, dead));
      } catch {
        continue; // a newer version's record: not ours to read
      }
      for (const e of record.holders) held.push({ name, mode: e.mode, clientId: e.owner });
      for (const e of record.queue) pending.push({ name, mode: e.mode, clientId: e.owner });
      for (const e of [...record.holders, ...record.queue]) stored.add(e.token);
    }
    for (const [name, waiter] of this.#waiting.all()) {
      if (!stored.has(waiter.token)) pending.push({ name, mode: waiter.mode, clientId: this.clientId });
    }
    return { held, pending };
  }

  protected override async dispose(): Promise<void> {
    this.#disposed = true;
    this.#untick = undefined;
    this.#env.heartbeat.stop();
    for (const off of this.#unsubscribe?.splice(0) ?? []) off();
    this.#unlisten?.();
    this.#unlisten = undefined;
    await this.#waiting.drained();
    // The releases of the guards and waiters just given up: close() resolves once they are in the store,
    // and announced (the bus closes after them, so a handoff they made reaches the next holder at once).
    await this.#releases.settled();
    this.#env.bus?.close();
    this.#env.store.close();
  }

  #run(name: string, token: string, mode: LockMode, intent: Intent, announce?: UpdateHints['announce']): Promise<Decision> {
    return this.#decide([[name, token, mode, intent]], announce).then(([decision]) => decision!);
  }

  /** Runs the lease rule for each (name, token, mode, intent) in one atomic update; decisions in order. */
  async #decide(items: ReadonlyArray<readonly [string, string, LockMode, Intent]>, announce?: UpdateHints['announce']): Promise<Decision[]> {
    // Places given up earlier in this task are released first (releases.ts): on an ordered store, before this update.
    this.#releases.flush();
    const { clock, store } = this.#env;
    const dead = this.#dead.at(this.#env.clock.now());
    const base = { lease: this.settings.leaseMs, owner: this.clientId, dead };
    const longest = this.#env.maxLeaseMs ?? this.settings.leaseMs;
    const decisions = await store.update(
      items.map(([name, token, mode, intent]) => [
        name,
        // A store that lost its records grants nothing until every lease from before can have ended (decide.ts).
        (stored: unknown, floor: number, now?: number, born?: number) =>
          decide(stored, { ...base, token, mode, intent, floor, now: now ?? clock.now(), ...(born === undefined ? {} : { quietUntil: born + longest }) }),
      ]),
      // A release grants nothing to the asker, so it may decide on an earlier time (store.ts `UpdateHints`).
      { releaseOnly: items.every(([, , , intent]) => intent === 'release'), ...(announce ? { announce } : {}) },
    );
    decisions.forEach((d, i) => {
      if (d.corrupt) this.warn('record-repaired', items[i]![0], 'its lease record was not valid and was replaced by a free one (generation raised)');
    });
    return decisions;
  }

  /**
   * A message from the bus (`trusted`: false; checked here, and it may only hasten what the store allows,
   * messages.ts) or this manager's own announcement of a store decision it made (`trusted`).
   */
  #receive = (value: unknown, trusted = false): void => {
    const message = trusted ? (value as LeaseMessage) : parseMessage(value);
    if (typeof message === 'string') {
      const named = (value as { name?: unknown }).name;
      this.warn('message-dropped', typeof named === 'string' ? named.slice(0, 200) : '', `a malformed message on the lease bus was dropped: ${message}`);
      return;
    }
    if (message.t === 'released') {
      // Our own release's handoff is the store's answer: granted at once. Anyone else's is a hint: the
      // requests it names ask the store now, and hold only if the record says so.
      const tokens = message.granted.map((h) => h.token);
      if (trusted) for (const handoff of message.granted) this.#waiting.handedOver(message.name, handoff, message.generation);
      else this.#waiting.confirm(message.name, tokens);
      if (message.granted.length === 0 && !message.queued) this.#waiting.wake(message.name);
      return;
    }
    if (message.t === 'stolen') {
      const robbed = this.#holders.all().filter((held) => message.tokens.includes(held.token));
      // Our own steal took them (the store said so); another's is checked by renewing them now.
      if (trusted) for (const held of robbed) this.#holders.lose(held, 'stolen', 'by a steal');
      else this.#holders.verify(robbed, 'stolen', 'by a steal');
      return;
    }
    // Only tabs unload: where there is no page lifecycle (Node), nobody sends this, and it is not obeyed.
    if (!this.#env.lifecycle) return;
    const until = this.#env.clock.now() + this.settings.leaseMs;
    this.#dead.add(message.owner, message.tokens, until);
    for (const name of message.names) this.#waiting.wake(name);
  };

  #onTick = (): void => {
    this.#holders.renew();
    this.#waiting.wakeAll();
    this.#sweepStep();
  };

  /** Ticks run while something is held or waited for, and stop when the manager is idle. */
  #tickWhileBusy(): void {
    const busy = this.#holders.size > 0 || this.#waiting.size > 0;
    if (busy && !this.#untick) this.#untick = this.#env.heartbeat.subscribe(this.#onTick);
    if (!busy && this.#untick) {
      this.#untick();
      this.#untick = undefined;
    }
  }

  /** One batch of sweeping, when a pass is due or under way (sweep.ts). */
  #sweepStep(): void {
    const { clock, store } = this.#env;
    this.#sweep.step(clock.now(), (from) => store.sweep((stored, name, now) => this.#looks.decide(name, stored, sweepable(stored, now ?? clock.now(), SWEEP_IDLE_MS)), from, SWEEP_BATCH));
  }

  /**
   * The page is going away, or into the back/forward cache (`cached`): say so first, then let go.
   * Cached, it touches the store no more and stops listening to the bus: a cached page is frozen, so a
   * transaction it started would stay open waiting for its callbacks and block every other tab's (Chrome
   * then evicts the page: "IgnoreEventAndEvict"), and a message arriving evicts it too. The other tabs
   * treat the tokens named 'dead' as expired at once (and, had they missed the message, at the end of
   * the lease, as for a crash). On return (`#onShow`) it listens again and its waiters rejoin.
   */
  #onHide = (cached: boolean): void => {
    const held = this.#holders.all();
    const waiting = this.#waiting.forgetPlaces();
    const releasing = cached ? this.#releases.giveUp() : [];
    const tokens = [...held.map((h) => h.token), ...waiting.map(([, w]) => w.token), ...releasing.map(([token]) => token)];
    if (tokens.length > 0) {
      // Our own stale places too: a waiter resumed from the back/forward cache must not queue behind them.
      const until = this.#env.clock.now() + this.settings.leaseMs;
      this.#dead.add(this.clientId, tokens, until);
      this.#env.bus?.post({ v: PROTOCOL_VERSION, t: 'dead', owner: this.clientId, tokens, names: [...held.map((h) => h.name), ...waiting.map(([name]) => name), ...releasing.map(([, name]) => name)] });
      const detail = 'the page was hidden (pagehide) and gave its locks up';
      for (const h of held) {
        if (cached) this.#holders.lose(h, 'pagehide', detail);
        else this.#lose(h, 'pagehide', detail);
      }
    }
    if (cached) {
      this.#unlisten?.();
      this.#unlisten = undefined;
      this.#env.bus?.close();
    }
  };

  /** The page runs again (restored from the back/forward cache, or unfrozen): listen, and check deadlines at once. */
  #onShow = (): void => {
    this.#listen();
    this.#onTick();
  };

  #listen(): void {
    if (!this.#unlisten && this.#env.bus && !this.#disposed) this.#unlisten = this.#env.bus.subscribe(this.#receive);
  }

  #lose(held: Held, kind: LockLostKind, detail: string): void {
    this.#holders.lose(held, kind, detail);
    void this.#releases.release(held.name, [held]).catch(() => {});
  }

  #activate(): void {
    if (this.#unsubscribe) return;
    this.#unsubscribe = [];
    this.#listen();
    // A frozen page resumes: check deadlines at once, before anything can trust an expired lease.
    const { lifecycle, store } = this.#env;
    if (lifecycle) this.#unsubscribe.push(lifecycle({ hide: this.#onHide, resume: this.#onShow }));
    // The records vanished (a deleted database, cleared site data): no lease of ours is in the store any more.
    if (store.onLost) this.#unsubscribe.push(store.onLost((why) => this.#holders.all().forEach((h) => this.#holders.lose(h, 'expired', `its lease record is gone: ${why}`))));
  }
}
