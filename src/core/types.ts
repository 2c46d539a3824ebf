/**
 * The crosslock contract: what every backend (memory, Web Locks, IndexedDB leases) promises.
 *
 * Shape follows the Web Locks API (https://w3c.github.io/web-locks/) where it fits: `mode` and the
 * grant order mean what the spec says; a lock is held until its guard is released.
 */

/** `'exclusive'`: one holder at a time. `'shared'`: any number of shared holders, never beside an exclusive one. */
export type LockMode = 'exclusive' | 'shared';

/** Which backend a manager is. */
export type BackendName = 'memory' | 'web-locks' | 'indexeddb' | 'redis';

/**
 * What a manager enforces exclusion across.
 * - `'realm'`: one JavaScript realm (one tab, one worker, one Node process). Other tabs are NOT excluded.
 * - `'origin'`: every tab, worker and SharedWorker of one origin in one browser profile.
 * - `'cluster'`: every process, on any host, that shares the lock server (`crosslock/redis`: one Redis).
 */
export type LockScope = 'realm' | 'origin' | 'cluster';

export interface LockOptions {
  /**
   * How long to wait, in milliseconds. Mandatory, so no caller deadlocks by accident.
   * `0` makes one attempt; `Infinity` waits for ever (an explicit choice).
   * On expiry `lock()` rejects with a `LockTimeoutError`. With `0`, a lock granted but lost before
   * `lock()` could return it (another tab's steal at that very moment) rejects with that
   * `LockLostError`; a waiting `lock()` asks again instead.
   * @example { timeout: 5_000 }
   */
  timeout: number;
  /** Aborting it gives up the wait: `lock()` rejects with `signal.reason` and leaves no trace in the queue. */
  signal?: AbortSignal;
  /** Default `'exclusive'`. */
  mode?: LockMode;
  /** Skip generation bookkeeping (see `LockGuard.generation`). Default `false`. */
  unchecked?: boolean;
}

export interface TryLockOptions {
  /** Default `'exclusive'`. */
  mode?: LockMode;
  /** Skip generation bookkeeping (see `LockGuard.generation`). Default `false`. */
  unchecked?: boolean;
}

/** A held lock. Release it exactly once (more calls are harmless), or let `await using` do it. */
export interface LockGuard extends AsyncDisposable {
  /** The name as the caller gave it (without the manager's prefix). */
  readonly name: string;
  readonly mode: LockMode;
  /**
   * Aborted, with a `LockLostError` as its reason, if the lock is ever lost behind the holder's back
   * (stolen, lease lost, manager closed). Not aborted by the holder's own `release()`.
   * Pass it to the work done under the lock so that work stops when the lock is gone.
   * Reading it checks what can be checked synchronously (a lease past its deadline aborts it at once),
   * so read `guard.signal.aborted` afresh rather than keeping an old answer.
   */
  readonly signal: AbortSignal;
  /**
   * The lock's generation at this grant: a number that only goes up for a lock name, across every
   * tab sharing the backend, and goes up exactly when the lock is granted to a different holder (a
   * manager: one per tab) than the last one; the same holder taking it again keeps it. It is the
   * fencing token `FencedStore` checks. `undefined` for `unchecked` grants.
   */
  readonly generation: number | undefined;
  /**
   * Whether another holder may have changed what this holder cached since it last held the lock, so
   * it must reload: true on its first grant of this name, and whenever the generation moved since its
   * last grant (another holder took it: after a steal, or after this holder lost its lease and another
   * tab took over). False when this holder was the last one to hold it. `undefined` for `unchecked` grants.
   */
  readonly poisoned: boolean | undefined;
  /** True once `release()` has been called (`close()` calls it for every guard it takes away). */
  readonly released: boolean;
  /** Gives the lock up. Idempotent: later calls return the first call's promise. */
  release(): Promise<void>;
}

/** One lock in a `query()` snapshot. */
export interface LockInfo {
  /**
   * The name without this manager's prefix (names outside the prefix are not reported; a manager without
   * one sees unprefixed names only). Crosslock's own locks show as `<kind>+<name>`, e.g. `leader+sync`.
   */
  readonly name: string;
  readonly mode: LockMode;
  /** Which manager (or browser context) holds or waits, when the backend knows. */
  readonly clientId?: string;
}

/** A point-in-time picture of held and waiting requests, like `navigator.locks.query()`. */
export interface LockSnapshot {
  readonly held: readonly LockInfo[];
  readonly pending: readonly LockInfo[];
}

/** A manager's `'warning'` event: `warning` says what (see `LockWarning`). Cancelable: `preventDefault()` keeps it off the console. */
export interface LockWarningEvent extends Event {
  readonly warning: import('./errors.js').LockWarning;
}

export interface LockManager extends EventTarget {
  readonly backend: BackendName;
  readonly scope: LockScope;
  /** The namespace every name of this manager lives in (full names `<prefix>+<name>`; none: `+<name>`), if any. */
  readonly prefix: string | undefined;
  /** This manager's identity in `query()` results; random, never reused. */
  readonly clientId: string;
  /** Waits for the lock (see `LockOptions.timeout`). Not re-entrant: a second request from the same holder waits too. */
  lock(name: string, options: LockOptions): Promise<LockGuard>;
  /** Never waits: the guard, or `null` if the lock is held in a conflicting mode or has waiters. */
  tryLock(name: string, options?: TryLockOptions): Promise<LockGuard | null>;
  /**
   * Runs `fn` under the lock and always releases it, whether `fn` returns or throws. Resolves to what
   * `fn` returned (rejects with what it threw) even if the release then fails: that failure is a
   * `'warning'` event (`LockWarning` kind `'release-failed'`), never a replacement of the result.
   */
  withLock<T>(name: string, options: LockOptions, fn: (guard: LockGuard) => T | PromiseLike<T>): Promise<T>;
  /** Held and pending locks under this manager's prefix. */
  query(): Promise<LockSnapshot>;
  /**
   * Rejects every pending `lock()` with `ManagerClosedError`, aborts every held guard's signal with a
   * `LockLostError` (kind `'closed'`) and releases it. Later calls reject with `ManagerClosedError`.
   */
  close(): Promise<void>;
  /** `'warning'`: a problem reported without failing a call (see `LockWarning`). */
  addEventListener(type: 'warning', listener: (event: LockWarningEvent) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
  removeEventListener(type: 'warning', listener: (event: LockWarningEvent) => void, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void;
}
