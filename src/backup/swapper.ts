/**
 * `BackupSwapper`: a backup that is always current and never torn, written by the leader only.
 *
 * Invariants:
 * - ONLY THE LEADER WRITES: a swap needs the election's current leadership, and is fenced by its guard in
 *   the same transaction as the write (indexeddb.ts): a frozen ex-leader's late swap is refused
 *   (`StaleLockError`), never stored. A tab that is not leader keeps the newest state it was given and
 *   writes it, fresh, the moment it leads (so backup duty moves with leadership, without a gap).
 * - FRESH ON START: `start(state)` writes at once (lnd writes a fresh backup on startup since 2019).
 * - NEWEST WINS: updates during a swap coalesce; the next swap writes the newest state, never an older one
 *   after a newer one; each caller learns which backup covered its state.
 * - SEQUENCE ONLY GOES UP: the next backup's sequence is the stored one's + 1, and the swap checks in its
 *   transaction that the stored backup is still the one read (`BackupRefusedError('conflict')` otherwise).
 * - SAFETY (lnd #4377): never replace a non-empty backup with an empty one, nor one that does not verify
 *   or belongs to another wallet (`BackupRefusedError`, nothing written), unless the call says
 *   `{ replace: true }`. The last `keep` backups (default 10) stay in the archive (`history()`).
 * - ITS OWN CAMPAIGN (`manager`) NEVER DIES SILENTLY: only `close()` or its manager closing end it. A try
 *   for the lock that failed (storage, the Web Locks ledger not loading) is an `'error'` event carrying the
 *   election's `ElectionError` (its cause, `retryInMs`), and the election tries again after a capped backoff
 *   (crosslock/leader); once it leads again, the newest state is written.
 * - AFTER `close()` RESOLVES its own election leads no more, the campaign and the write under way have
 *   settled, and the lock is released, wherever the close lands (also between the lock's grant and the
 *   campaign going on). Fencing goes through the leadership's guard, whose signal runs the leadership's
 *   checks when a target reads it (the OPFS and file targets check it just before they replace the file).
 */
import { InvalidOptionError } from '../core/errors.js';
import { checkObject, must } from '../core/options.js';
import { LeaderElection } from '../leader/election.js';
import { KIND, type LeaderElectionOptions } from '../leader/options.js';
import type { LockManager } from '../core/types.js';
import type { Leadership } from '../leader/leadership.js';
import { BackupFormatError, BackupRefusedError } from './errors.js';
import { BackupErrorEvent, BackupEvent, type BackupInfo } from './events.js';
import { decode, encode, MAX_WALLET_ID, peek } from './format.js';
import { IndexedDbBackupTarget, type BackupTarget } from './indexeddb.js';

export const DEFAULT_KEEP = 10;

export interface BackupSwapperOptions<S> {
  /** Only this election's leader writes; its leadership's guard fences every swap. */
  election?: LeaderElection;
  /**
   * Instead of `election`: the swapper runs its own on this manager, and campaigns. Its lock is
   * `backup+<walletId>`, crosslock's own (no app lock or election meets it), so the wallet id must then be a
   * lock name that fits: at most 192 bytes minus the prefix's length (`InvalidLockNameError` otherwise).
   */
  manager?: LockManager;
  /** Whose backup: written in every header, checked on every read. */
  walletId: string;
  /** The app's encoding of its state. */
  pack: (state: S) => Uint8Array | PromiseLike<Uint8Array>;
  /** The reverse, for `restore()`. */
  unpack?: (payload: Uint8Array) => S | PromiseLike<S>;
  /** Where backups go (default: IndexedDB in the election manager's database, `database`). */
  target?: BackupTarget;
  database?: string;
  /** Encrypts payloads (AES-GCM). */
  key?: CryptoKey;
  /** Backups kept in the archive besides the latest (default 10). */
  keep?: number;
}

interface Pending<S> {
  state: S;
  replace: boolean;
  waiters: Array<{ resolve: (info: BackupInfo | null) => void; reject: (error: unknown) => void }>;
}

/** The typed `backup` and `error` listeners (declaration merging: no code). */
export interface BackupSwapper<S> {
  addEventListener(type: 'backup', listener: (event: BackupEvent) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: 'error', listener: (event: BackupErrorEvent) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
  removeEventListener(type: 'backup', listener: (event: BackupEvent) => void, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: 'error', listener: (event: BackupErrorEvent) => void, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void;
}

export class BackupSwapper<S> extends EventTarget {
  readonly walletId: string;
  readonly keep: number;
  readonly #o: BackupSwapperOptions<S> & { election: LeaderElection };
  readonly #target: BackupTarget;
  /** Set when the swapper runs its own election (the `manager` option). */
  readonly #own: LeaderElection | undefined;
  #newest: { state: S; replace: boolean } | undefined;
  #pending: Pending<S> | undefined;
  #writing = false;
  /** The latest drain of pending writes (settled once none is under way): what `close()` waits for. */
  #drained: Promise<void> | undefined;
  /** Its own election's campaign (`manager`). */
  readonly #campaigning: Promise<void> | undefined;
  #writtenBy: Leadership | undefined;

  constructor(options: BackupSwapperOptions<S>) {
    super();
    const o = checkObject(options, ['election', 'manager', 'walletId', 'pack', 'unpack', 'target', 'database', 'key', 'keep'], 'new BackupSwapper()') as unknown as BackupSwapperOptions<S>;
    if ((o.election === undefined) === (o.manager === undefined)) throw new InvalidOptionError('election', 'give exactly one of `election` (a LeaderElection) and `manager` (a LockManager)');
    if (o.election !== undefined && typeof o.election.lead !== 'function') throw new InvalidOptionError('election', 'must be a LeaderElection');
    if (o.manager !== undefined && typeof o.manager.lock !== 'function') throw new InvalidOptionError('manager', 'must be a LockManager');
    if (typeof o.walletId !== 'string' || o.walletId === '' || !wellFormed(o.walletId) || new TextEncoder().encode(o.walletId).length > MAX_WALLET_ID) {
      throw new InvalidOptionError('walletId', `must be a non-empty, well-formed string of at most ${MAX_WALLET_ID} bytes of UTF-8`);
    }
    if (typeof o.pack !== 'function') throw new InvalidOptionError('pack', 'must be a function (state) => Uint8Array');
    must('unpack', o.unpack, typeof o.unpack === 'function', 'a function');
    must('keep', o.keep, Number.isSafeInteger(o.keep) && o.keep! >= 0, 'a whole number >= 0');
    this.walletId = o.walletId;
    this.keep = o.keep ?? DEFAULT_KEEP;
    this.#own = o.manager ? new LeaderElection(o.manager, o.walletId, { [KIND]: 'backup' } as LeaderElectionOptions) : undefined;
    this.#o = { ...o, election: o.election ?? this.#own! };
    this.#target = o.target ?? new IndexedDbBackupTarget(o.walletId, o.database);
    // Leading: write the newest state at once (duty moves with leadership, no gap).
    this.#o.election.addEventListener('change', this.#onChange);
    this.#own?.addEventListener('error', (event) => this.dispatchEvent(new BackupErrorEvent(event.error)));
    this.#campaigning = this.#own && this.#campaign(this.#own);
  }

  /** The election the swapper writes under (its own with `manager`). */
  get election(): LeaderElection {
    return this.#o.election;
  }

  /** Calls `listener` after each swap this swapper made (for off-device copies); returns the unsubscribe. */
  subscribe(listener: (info: BackupInfo, bytes: Uint8Array) => void): () => void {
    const onBackup = (event: Event): void => listener((event as BackupEvent).info, (event as BackupEvent).bytes);
    this.addEventListener('backup', onBackup);
    return () => this.removeEventListener('backup', onBackup);
  }

  /** Its own election: leads whenever it can, until closed (lead() reports and outlives every other failure). */
  async #campaign(election: LeaderElection): Promise<void> {
    for (;;) {
      let leadership: Leadership;
      try {
        leadership = await election.lead();
      } catch {
        return; // closed: the election (close()) or its manager
      }
      await new Promise((resolve) => (leadership.signal.aborted ? resolve(undefined) : leadership.signal.addEventListener('abort', resolve, { once: true })));
    }
  }

  /** Writes a fresh backup of `state` now (if this tab leads; else when it does). */
  start(state: S, options: { replace?: boolean } = {}): Promise<BackupInfo | null> {
    return this.update(state, options);
  }

  /**
   * Backs `state` up: resolves with the backup that covered it (a later state's, when updates came
   * faster than swaps), or `null` when this tab does not lead (it keeps the state and writes it when it
   * does). Rejects with `StaleLockError` (leadership lost meanwhile), `BackupRefusedError`, `StorageError`.
   */
  update(state: S, options: { replace?: boolean } = {}): Promise<BackupInfo | null> {
    const replace = options.replace === true;
    this.#newest = { state, replace };
    if (!this.#o.election.leadership) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      const pending = (this.#pending ??= { state, replace, waiters: [] });
      // The newest state wins, with its own `replace` (an earlier call's permission is not carried over).
      pending.state = state;
      pending.replace = replace;
      pending.waiters.push({ resolve, reject });
      if (!this.#writing) this.#drained = this.#drain();
    });
  }

  /** The latest backup, checked (`BackupFormatError` if it does not verify), or `null`. */
  async latest(): Promise<{ info: BackupInfo; bytes: Uint8Array } | null> {
    const bytes = await this.#target.latest();
    return bytes ? { info: await this.verify(bytes), bytes } : null;
  }

  /** The archived backups, newest first, as stored (each can be checked with `verify`). */
  history(): Promise<Uint8Array[]> {
    return this.#target.history();
  }

  /** The latest backup as a file to download, or `null`. */
  async exportBlob(): Promise<Blob | null> {
    const latest = await this.latest();
    return latest ? new Blob([latest.bytes.slice()], { type: 'application/octet-stream' }) : null;
  }

  /** Checks `bytes` are a good backup of this wallet (`BackupFormatError` otherwise); its header. */
  async verify(bytes: Uint8Array): Promise<BackupInfo> {
    const { walletId, sequence, createdAt, encrypted } = await decode(bytes, { walletId: this.walletId, ...(this.#o.key ? { key: this.#o.key } : {}) });
    return { walletId, sequence, createdAt, encrypted, size: bytes.length };
  }

  /** The state in a backup (checked first), through `unpack`. */
  async restore(bytes: Uint8Array): Promise<S> {
    if (!this.#o.unpack) throw new InvalidOptionError('unpack', 'is needed to restore');
    const { payload } = await decode(bytes, { walletId: this.walletId, ...(this.#o.key ? { key: this.#o.key } : {}) });
    return this.#o.unpack(payload);
  }

  /**
   * Stops: its own election (`manager`) leads no more and its lock is released; resolves once the campaign
   * and the write under way have settled (then the default target's connection is closed).
   */
  async close(): Promise<void> {
    this.#o.election.removeEventListener('change', this.#onChange);
    await this.#own?.close();
    await this.#campaigning;
    await this.#drained;
    if (!this.#o.target) this.#target.close();
  }

  #onChange = (): void => {
    const leadership = this.#o.election.leadership;
    if (leadership && leadership !== this.#writtenBy && this.#newest) {
      this.#writtenBy = leadership;
      // Nobody awaits this write: a failure is reported as an 'error' event (BackupErrorEvent).
      this.update(this.#newest.state, { replace: this.#newest.replace }).catch((error: unknown) => this.dispatchEvent(new BackupErrorEvent(error)));
    }
  };

  async #drain(): Promise<void> {
    if (this.#writing) return;
    this.#writing = true;
    try {
      while (this.#pending) {
        const pending = this.#pending;
        this.#pending = undefined;
        try {
          const info = await this.#swap(pending.state, pending.replace);
          for (const w of pending.waiters) w.resolve(info);
        } catch (error) {
          for (const w of pending.waiters) w.reject(error);
        }
      }
    } finally {
      this.#writing = false;
    }
  }

  async #swap(state: S, replace: boolean): Promise<BackupInfo | null> {
    const leadership = this.#o.election.leadership;
    if (!leadership) return null;
    this.#writtenBy = leadership;
    const payload = await this.#o.pack(state);
    if (!(payload instanceof Uint8Array)) throw new InvalidOptionError('pack', 'must return a Uint8Array');
    const current = await this.#target.latest();
    // The next sequence is above every one stored (the latest and the archive), so it only goes up, even
    // when an unreadable latest is replaced.
    const highest = Math.max(-1, ...(await this.#target.history()).map(sequenceOf).filter((n): n is number => n !== undefined));
    let previous: number | undefined; // the stored backup's sequence, when its header can be read
    if (current) {
      previous = sequenceOf(current);
      let stored: Uint8Array | undefined;
      try {
        stored = (await decode(current, { walletId: this.walletId, ...(this.#o.key ? { key: this.#o.key } : {}) })).payload;
      } catch (error) {
        const wallet = error instanceof BackupFormatError && error.kind === 'wallet';
        if (!replace) throw new BackupRefusedError(wallet ? 'wallet' : 'unverifiable', wallet ? "the stored backup is another wallet's" : `the stored backup does not verify (${(error as Error).message})`);
      }
      if (stored && stored.length > 0 && payload.length === 0 && !replace) throw new BackupRefusedError('empty', `an empty backup would replace backup ${previous}`);
    }
    // A replaced backup is archived under its own sequence, or, when that cannot be read, under a fresh one.
    const top = Math.max(highest, previous ?? -1);
    const archiveAs = current ? (previous !== undefined && previous > highest ? previous : top + 1) : undefined;
    const sequence = Math.max(top, archiveAs ?? -1) + 1;
    const bytes = await encode({ walletId: this.walletId, sequence, createdAt: Date.now(), payload }, this.#o.key);
    await this.#target.swap(leadership.guard, bytes, current, archiveAs, this.keep);
    const info: BackupInfo = { walletId: this.walletId, sequence, createdAt: peek(bytes).createdAt, encrypted: !!this.#o.key, size: bytes.length };
    this.dispatchEvent(new BackupEvent(info, bytes));
    return info;
  }
}

/** A stored backup's sequence, or `undefined` when its header cannot be read. */
function sequenceOf(bytes: Uint8Array): number | undefined {
  try {
    return peek(bytes).sequence;
  } catch {
    return undefined;
  }
}

/** Whether `s` is well-formed UTF-16 (no lone surrogate: it would not survive UTF-8). */
function wellFormed(s: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}
