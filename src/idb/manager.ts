/**
 * `IndexedDbLockManager`: the contract over lease records in IndexedDB, for where Web Locks are missing
 * (insecure contexts such as http:// on a LAN, Safari < 15.4, Firefox < 96, some web views).
 * Scope `'origin'`: every tab and worker of the origin sharing the database.
 *
 * Protocol (the rule itself is `decide()`; its module comment states the grant order):
 * - a grant is a lease entry (owner, token, mode, expiry) in the lock's record, written in one
 *   readwrite transaction; it is renewed every `renewMs` and lapses `leaseMs` after its last renewal;
 * - INVARIANT: a live entry is never taken over: another tab takes the lock only once the entry has
 *   expired (its holder crashed, froze or hung past its lease) or its holder said it is gone;
 * - INVARIANT: a holder learns of a lost lease before it can act on it: every renewal that is
 *   refused or fails aborts its guard's signal, and a local deadline (the renewal's start + lease, never
 *   later than what other tabs see) is checked on every tick and when a frozen page resumes;
 * - waiting requests queue locally per name, only the first talks to IndexedDB; it keeps a place in
 *   the stored queue (refreshed like a lease) and retries when woken by a BroadcastChannel message
 *   (release, or a holder gone), when a blocking entry expires, and at least every `renewMs`;
 * - `pagehide`: IndexedDB may not finish while a page unloads, so the tab first tells the others by
 *   message which tokens are gone (they treat those entries as expired at once), then releases.
 */
import { UnsupportedError, type LockLostKind } from '../core/errors.js';
import { BaseLockManager, type AcquireRequest, type Grant } from '../core/manager.js';
import { randomId } from '../core/random.js';
import type { LockInfo, LockMode, LockSnapshot } from '../core/types.js';
import { decide, type DecideInput, type Decision, type Intent } from './decide.js';
import { leaseSettings, type IndexedDbLockManagerOptions, type LeaseSettings } from './options.js';
import { Waiting } from './waiting.js';
import { normalise } from './record.js';
import { LeaseStore, STORE } from './store.js';
import { within } from './within.js';
import { Ticker } from './ticker.js';

interface Held {
  readonly name: string;
  readonly mode: LockMode;
  readonly token: string;
  /** Our own conservative end of the lease: the start of the last successful renewal + lease. */
  deadline: number;
  readonly lost: (kind: LockLostKind, detail?: string) => void;
}

/**
 * `granted`: requests a release handed the lock to (with their lease's expiry); `queued`: whether
 * requests still wait in the stored queue (then only the granted ones need to act).
 */
type Ask = Omit<DecideInput, 'now'>;

type Message =
  | { t: 'released'; name: string; granted: Array<{ token: string; expires: number }>; generation: number; queued: boolean }
  | { t: 'dead'; tokens: string[]; names: string[] };

export class IndexedDbLockManager extends BaseLockManager {
  readonly backend = 'indexeddb';
  readonly scope = 'origin';
  readonly settings: Readonly<LeaseSettings>;
  readonly #store: LeaseStore;
  readonly #ticker: Ticker;
  readonly #waiting: Waiting;
  readonly #held = new Map<string, Held>();
  /** Tokens other tabs said are gone, until their entries would have expired anyway. */
  readonly #dead = new Map<string, number>();
  #channel: BroadcastChannel | undefined;
  #active = false;
  #untick: (() => void) | undefined;
  #renewing = false;

  /** Throws `UnsupportedError` where IndexedDB is missing; checks every option (see the options' docs). */
  constructor(options: IndexedDbLockManagerOptions = {}) {
    const settings = leaseSettings(options);
    super(settings.prefix);
    if (typeof globalThis.indexedDB === 'undefined') throw new UnsupportedError('IndexedDbLockManager needs IndexedDB, and this environment has none');
    this.settings = settings;
    this.#store = new LeaseStore(settings.database, settings.openTimeoutMs);
    this.#ticker = new Ticker(settings.renewMs);
    this.#waiting = new Waiting({
      attempt: (name, waiter) => this.#run(name, waiter.token, waiter.mode, 'wait'),
      abandon: (name, token, mode) => void this.#run(name, token, mode, 'release').then((d) => this.#announce(name, d), () => {}),
      grant: (name, waiter, started, generation) => this.#grant(name, waiter.mode, waiter.token, started, generation, waiter.lost),
      settings,
      onBusy: () => this.#tickWhileBusy(),
    });
  }

  protected async acquire(request: AcquireRequest): Promise<Grant | null> {
    this.#activate();
    const { name, mode, signal, lost } = request;
    if (signal) return this.#waiting.enqueue(name, { mode, token: randomId(), signal, lost });
    if (this.#waiting.busy(name)) return null; // requests of this tab wait ahead: not available
    const token = randomId();
    const started = Date.now();
    const decision = await this.#run(name, token, mode, 'acquire');
    return decision.verdict === 'take' ? this.#grant(name, mode, token, started, decision.record.generation, lost) : null;
  }

  protected async snapshot(): Promise<LockSnapshot> {
    const rows = await within(this.#store, [STORE], 'readonly', async (tx) => {
      const store = tx.objectStore(STORE);
      const [keys, values] = await Promise.all([store.getAllKeys(), store.getAll()]);
      return keys.map((key, i): [string, unknown] => [String(key), values[i]]);
    });
    const now = Date.now();
    const held: LockInfo[] = [];
    const pending: LockInfo[] = [];
    const stored = new Set<string>();
    for (const [name, value] of rows) {
      const { record } = normalise(value, now, this.settings.leaseMs, this.#deadTokens());
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
    this.#untick = undefined;
    this.#ticker.stop();
    this.#channel?.close();
    if (typeof removeEventListener === 'function') {
      removeEventListener('pagehide', this.#onPageHide);
      removeEventListener('pageshow', this.#onResume);
      document?.removeEventListener?.('resume', this.#onResume);
    }
    await this.#waiting.drained();
    this.#store.close();
  }

  #run(name: string, token: string, mode: LockMode, intent: Intent) {
    const ask: Ask = { lease: this.settings.leaseMs, owner: this.clientId, token, mode, intent, dead: this.#deadTokens() };
    return this.#decide([[name, ask]]).then(([decision]) => decision!);
  }

  /** Runs the lease rule for each (name, ask) in one transaction; decisions in the same order. */
  #decide(items: ReadonlyArray<readonly [string, Ask]>): Promise<Decision[]> {
    return this.#store.update(items.map(([name, ask]) => [name, (stored: unknown, now: number) => decide(stored, { ...ask, now })]));
  }

  #grant(name: string, mode: LockMode, token: string, started: number, generation: number, lost: Held['lost']): Grant {
    const held: Held = { name, mode, token, deadline: started + this.settings.leaseMs, lost };
    this.#held.set(token, held);
    this.#tickWhileBusy();
    return {
      generation,
      fence: { database: this.settings.database, name, token },
      check: () => {
        const now = Date.now();
        if (now >= held.deadline) this.#lose(held, 'expired', `its lease ran out ${now - held.deadline} ms ago without renewal`);
      },
      release: async () => {
        this.#held.delete(token);
        this.#tickWhileBusy();
        const decision = await this.#run(name, token, mode, 'release');
        this.#announce(name, decision);
      },
    };
  }

  #lose(held: Held, kind: LockLostKind, detail: string): void {
    if (!this.#held.delete(held.token)) return;
    held.lost(kind, detail);
    this.#tickWhileBusy();
  }

  /** Renews every held lease in one transaction; any refusal or failure tells the holder. */
  #renew(): void {
    const now = Date.now();
    for (const held of [...this.#held.values()]) {
      if (now >= held.deadline) this.#lose(held, 'expired', `its lease ran out ${now - held.deadline} ms ago without renewal`);
    }
    const live = [...this.#held.values()];
    if (live.length === 0 || this.#renewing) return;
    this.#renewing = true;
    const ask = (h: Held): [string, Ask] => [h.name, { lease: this.settings.leaseMs, owner: this.clientId, token: h.token, mode: h.mode, intent: 'renew', dead: this.#deadTokens() }];
    this.#decide(live.map(ask))
      .then(
        (decisions) =>
          decisions.forEach((d, i) => {
            const held = live[i]!;
            if (d.verdict === 'extend') held.deadline = now + this.settings.leaseMs;
            else this.#lose(held, 'expired', 'the lease had expired and was no longer this holder\'s');
          }),
        (error: Error) => live.forEach((held) => this.#lose(held, 'renewal-failed', error.message)),
      )
      .finally(() => (this.#renewing = false));
  }

  #onTick = (): void => {
    this.#renew();
    this.#waiting.wakeAll();
  };

  /** Ticks run while something is held or waited for, and stop when the tab is idle. */
  #tickWhileBusy(): void {
    const busy = this.#held.size > 0 || this.#waiting.size > 0;
    if (busy && !this.#untick) this.#untick = this.#ticker.subscribe(this.#onTick);
    if (!busy && this.#untick) {
      this.#untick();
      this.#untick = undefined;
    }
  }

  /** After a release: hand the lock to the requests it was given to, and wake the rest if worth it. */
  #announce(name: string, decision: Pick<Decision, 'promoted' | 'record'>): void {
    const granted = decision.promoted.map(({ token, expires }) => ({ token, expires }));
    const message: Message = { t: 'released', name, granted, generation: decision.record.generation, queued: decision.record.queue.length > 0 };
    this.#post(message);
    this.#receive(message);
  }

  /** A release (ours or another tab's): take over what was handed to our requests, or try again. */
  #receive(message: Extract<Message, { t: 'released' }>): void {
    for (const { token, expires } of message.granted) {
      this.#waiting.handedOver(message.name, token, expires - this.settings.leaseMs, message.generation);
    }
    if (message.granted.length === 0 && !message.queued) this.#waiting.wake(message.name);
  }

  #post(message: Message): void {
    try {
      this.#channel?.postMessage(message);
    } catch {
      // A closed channel (manager closing): waiters elsewhere still retry on their own schedule.
    }
  }

  #deadTokens(): ReadonlySet<string> {
    const now = Date.now();
    for (const [token, until] of this.#dead) if (until <= now) this.#dead.delete(token);
    return new Set(this.#dead.keys());
  }

  #onMessage = (event: MessageEvent<Message>): void => {
    const message = event.data;
    if (message?.t === 'released') this.#receive(message);
    if (message?.t === 'dead') {
      const until = Date.now() + this.settings.leaseMs;
      for (const token of message.tokens) this.#dead.set(token, until);
      for (const name of message.names) this.#waiting.wake(name);
    }
  };

  /** The page is going away (or into the back/forward cache): say so first, then release. */
  #onPageHide = (): void => {
    const held = [...this.#held.values()];
    const waiting = this.#waiting.forgetPlaces();
    const tokens = [...held.map((h) => h.token), ...waiting.map(([, w]) => w.token)];
    if (tokens.length === 0) return;
    // Our own stale places too: a waiter resumed from the back/forward cache must not queue behind them.
    const until = Date.now() + this.settings.leaseMs;
    for (const token of tokens) this.#dead.set(token, until);
    this.#post({ t: 'dead', tokens, names: [...held.map((h) => h.name), ...waiting.map(([name]) => name)] });
    for (const h of held) {
      this.#lose(h, 'closed', 'the page was hidden (pagehide) and gave its locks up');
      void this.#run(h.name, h.token, h.mode, 'release').then((d) => this.#announce(h.name, d), () => {});
    }
  };

  /** A frozen page resumes: check deadlines at once, before anything can trust an expired lease. */
  #onResume = (): void => this.#onTick();

  #activate(): void {
    if (this.#active) return;
    this.#active = true;
    if (typeof BroadcastChannel === 'function') {
      this.#channel = new BroadcastChannel(`crosslock:idb:${this.settings.database}`);
      this.#channel.onmessage = this.#onMessage;
    }
    if (typeof addEventListener === 'function' && typeof document !== 'undefined') {
      addEventListener('pagehide', this.#onPageHide);
      addEventListener('pageshow', this.#onResume);
      document.addEventListener('resume', this.#onResume);
    }
  }
}

