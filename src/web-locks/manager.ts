/**
 * `WebLockManager`: the contract over the Web Locks API (https://w3c.github.io/web-locks/).
 *
 * Scope `'origin'`: every tab, dedicated Worker and SharedWorker of one origin in one browser profile.
 * The browser releases a lock the moment its holder's context dies (closed or crashed tab, terminated
 * worker), so no lease or heartbeat is needed.
 *
 * How it maps:
 * - a lock is held while the promise returned to `navigator.locks.request()` is pending; the guard's
 *   `release()` settles that promise and resolves once the browser has let the lock go;
 * - `lock()` passes one signal that combines the caller's signal, the timeout and `close()`; the
 *   browser rejects an aborted request with the signal's reason (a `LockTimeoutError` on timeout);
 * - `tryLock()` and `lock()` with `timeout: 0` use `ifAvailable`;
 * - `steal: true` preempts the holder. The browser rejects the old holder's request with an
 *   `AbortError`; we turn that into the old guard's signal aborting with `LockLostError('stolen')`;
 * - an unchecked `withLock()` is one request whose grant callback makes the guard and runs the
 *   function, as raw code does (issue 17's fast path: `npm run bench:overhead` measures ~1.7 µs of
 *   crosslock JS per call over raw, against ~6 µs before it); everything else goes through
 *   `acquire()`. Both share `#request`, so both map the browser's answers the same way.
 *
 * Invariant: exclusion is the browser's alone; everything kept here (the attribution register) is
 * diagnostics. The ledger (checked grants) and `query()` are chunks of their own, loaded on first use;
 * the ledger is loaded and its database opened BEFORE a checked lock is requested (see ledger.ts).
 */
import { InvalidOptionError, LockTimeoutError, StorageError, UnsupportedError } from '../core/errors.js';
import type { AcquireRequest, Grant } from '../core/grant.js';
import type { Guard } from '../core/guard.js';
import { BaseLockManager } from '../core/manager.js';
import { checkObject, databaseOption, DEFAULT_OPEN_TIMEOUT_MS, must, type ParsedLockOptions } from '../core/options.js';
import type { LockGuard, LockMode, LockOptions, LockSnapshot } from '../core/types.js';
import { waitScope } from '../core/wait.js';
import { requests, type Request } from './attribution.js';
import type { Ledger } from './ledger.js';
import { browserLocks, type BrowserLocks } from './support.js';

export interface WebLockManagerOptions {
  /** Namespace for every name of this manager (full names `<prefix>+<name>`), e.g. a wallet fingerprint. Default: none. */
  prefix?: string;
  /**
   * The IndexedDB database of the generation ledger (and of `FencedStore`). Checked grants write one
   * small record there; `unchecked` ones touch nothing. Default `'crosslock'`.
   */
  database?: string;
}

/** `lock()` options of this backend: the contract's, plus `steal`. */
export interface WebLockOptions extends LockOptions {
  /**
   * Take the lock from its holder at once (exclusive mode only, no `signal`, as the spec requires; and
   * `timeout: 0`, since it never waits).
   * The old holder's guard signal aborts with `LockLostError` (kind `'stolen'`). Default `false`.
   * @example await locks.lock('round.7', { timeout: 0, steal: true })
   */
  steal?: boolean;
}

/**
 * How many times a waiting request or a steal may be answered without a lock before we give up. Chrome
 * has been seen to call back with `null` without `ifAvailable` (https://github.com/supabase/auth-js/pull/761),
 * and drops a grant that arrives while the page cannot run callbacks (see `acquire`); we ask again, but
 * a browser that keeps doing it is broken, and spinning on it would never end.
 */
const MAX_NULL_GRANTS = 3;
const tooManyNulls = (name: string): UnsupportedError => new UnsupportedError(`navigator.locks answered ${MAX_NULL_GRANTS} requests for "${name}" with no lock`);

export class WebLockManager extends BaseLockManager<WebLockOptions> {
  readonly backend = 'web-locks';
  readonly scope = 'origin';
  protected override readonly extraLockKeys = ['steal'];
  readonly #locks: BrowserLocks;
  readonly #database: string;
  #ledger: Promise<Ledger> | undefined;
  /** The ledger once loaded and open: a checked grant then records its generation synchronously. */
  #ledgerReady: Ledger | undefined;

  /** Throws `UnsupportedError`, saying why, where `navigator.locks` is missing. */
  constructor(options: WebLockManagerOptions = {}) {
    const o = checkObject(options, ['prefix', 'database'], 'new WebLockManager()');
    super(o.prefix);
    this.#database = databaseOption(o.database);
    this.#locks = browserLocks();
  }

  protected override async dispose(): Promise<void> {
    const ledger = this.#ledger;
    this.#ledger = this.#ledgerReady = undefined;
    (await ledger?.catch(() => undefined))?.close();
  }

  /**
   * Loads the ledger chunk and opens its database, before any checked lock is requested. A chunk that
   * failed to load (offline, replaced by a deploy) or a database that failed to open is tried again
   * on the next checked lock; this one fails with `StorageError` and has requested nothing.
   */
  #loadLedger(): Promise<Ledger> {
    this.#ledger ??= import('./ledger.js')
      .then(
        (m) => m.openLedger(this.#database, DEFAULT_OPEN_TIMEOUT_MS, this.#locks),
        (error: unknown) => {
          throw new StorageError('unavailable', `ledger did not load: ${error}`, { cause: error });
        },
      )
      .then(async (ledger) => {
        await ledger.ready();
        this.#ledgerReady = ledger;
        return ledger;
      })
      .catch((error: unknown) => {
        this.#ledger = undefined;
        throw error;
      });
    return this.#ledger;
  }

  protected override checkExtra({ extra: { steal }, mode, signal, timeout }: ParsedLockOptions): void {
    must('steal', steal, typeof steal === 'boolean', 'a boolean');
    // The Web Locks spec's rules: a steal is exclusive and never waits. `timeout: 0` too, as on leases: a
    // steal with a timeout would be asked again when not granted (a dropped grant, or overtaken by another
    // steal), and might then take the lock from a healthy new holder.
    if (steal && (mode === 'shared' || signal || timeout !== 0)) throw new InvalidOptionError('steal', 'needs mode "exclusive", timeout 0 and no signal');
  }

  /**
   * An unchecked `withLock()` takes the fast path (issue 17): the browser's grant callback makes the guard
   * and starts `fn` itself, and the call settles once `fn` has run and the lock is let go, as raw
   * `navigator.locks.request` code does: no crosslock promise between the grant and `fn`, none between
   * the browser letting go and the caller. Checked grants (a generation to record first) and steals take
   * the general path (`acquire`). Same checks, errors and outcomes either way (the conformance suite runs
   * `withLock()` checked and unchecked on every backend).
   */
  override withLock<T>(name: string, options: WebLockOptions, fn: (guard: LockGuard) => T | PromiseLike<T>): Promise<T> {
    let call: [string, ParsedLockOptions];
    try {
      must('fn', fn, typeof fn === 'function', 'a function');
      call = this.parse(name, options, 'withLock()');
    } catch (error) {
      return Promise.reject(error);
    }
    const [full, parsed] = call;
    if (parsed.checked || parsed.extra.steal) return super.withLock(name, options, fn);
    const { mode, timeout } = parsed;
    const once = timeout === 0; // ifAvailable, which the spec allows with no signal: close() is checked at the grant
    // Made only when the timer fires (see BaseLockManager#lock: an Error's stack costs more than the call).
    let timedOut: LockTimeoutError | undefined;
    const wait = waitScope(once ? [this.closing] : [parsed.signal, this.closing], once ? Infinity : timeout, () => (timedOut = new LockTimeoutError(full, mode, timeout)));
    return new Promise<T>((resolve, reject) => {
      let failed = false;
      const fail = (error: unknown): void => {
        if (failed) return;
        failed = true;
        wait.dispose();
        if (timedOut && error === timedOut) void this.timeoutError(full, parsed).then(reject);
        else reject(error);
      };
      // A timeout or the caller's abort settles the call there and then, as `settledBy` does on the general
      // path, whether or not the browser drops the request at once (a grant that still comes is given back).
      if (wait.signal !== this.closing) wait.signal.addEventListener('abort', () => fail(wait.signal.reason), { once: true });
      const ask = (nullGrants: number): void => {
        let guard: Guard | undefined;
        this.#request(
          full,
          mode,
          once ? { mode, ifAvailable: true } : { mode, signal: wait.signal },
          wait.signal,
          (release) => {
            wait.dispose();
            guard = this.guardOf(name, full, mode, false, { release });
            resolve(this.runHolder(guard, fn));
          },
          () => (once ? fail((timedOut = new LockTimeoutError(full, mode, 0))) : nullGrants + 1 < MAX_NULL_GRANTS ? ask(nullGrants + 1) : fail(tooManyNulls(full))),
          fail,
          (detail) => guard!.lose('stolen', detail),
        );
      };
      ask(0);
    });
  }

  protected acquire(request: AcquireRequest, nullGrants = 0): Promise<Grant | null> {
    if (request.checked && !this.#ledgerReady) return this.#loadLedger().then(() => this.acquire(request, nullGrants));
    const ledger = request.checked ? this.#ledgerReady : undefined;
    const { name, mode, signal, lost } = request;
    const steal = request.extra.steal === true;
    return new Promise<Grant | null>((resolve, reject) =>
      this.#request(
        name,
        mode,
        steal ? { mode, steal } : signal ? { mode, signal } : { mode, ifAvailable: true },
        signal,
        (release) =>
          // Checked: one transaction, created now, records the grant (see ledger.ts); if it fails the
          // lock is given back and the caller gets the StorageError (a checked guard without a
          // generation would be a lie).
          ledger
            ? ledger.grant(name, this.clientId, mode, steal).then(
                (generation) => resolve({ release, generation, fence: { database: this.#database, name } }),
                (error: unknown) => void release().then(() => reject(error)),
              )
            : resolve({ release }),
        // Not granted. Fine for ifAvailable; a steal is not repeated (it was decided at one moment, by
        // rules the caller applied then: a steal now might take the lock from a healthy new holder); a
        // waiting request asks again, a bounded number of times (its signal still bounds it, close() too).
        () => (!signal ? resolve(null) : nullGrants + 1 < MAX_NULL_GRANTS ? resolve(this.acquire(request, nullGrants + 1)) : reject(tooManyNulls(name))),
        reject,
        (detail) => lost('stolen', detail),
      ),
    );
  }

  /**
   * One `navigator.locks` request and what every request keeps: its attribution entry, the promise the
   * browser holds the lock for, and how it ended. `granted` gets the lock's release (resolving once the
   * browser has let it go); a request aborted (`signal`) by the time its grant runs gives it straight
   * back. Otherwise: `notGranted` (no lock: `ifAvailable`, a quirk), `fail` (the reason), `stolen`.
   */
  #request(
    name: string,
    mode: LockMode,
    options: Parameters<BrowserLocks['request']>[1],
    signal: AbortSignal | undefined,
    granted: (release: () => Promise<void>) => void,
    notGranted: () => void,
    fail: (error: unknown) => void,
    stolen: (detail: string) => void,
  ): void {
    const entry: Request = { name, mode, clientId: this.clientId, held: false };
    requests.add(entry);
    const done = this.#locks.request(name, options, (lock) => {
      if (!lock || signal?.aborted) return; // null: the quirk of MAX_NULL_GRANTS (or ifAvailable)
      entry.held = true;
      let letGo!: () => void;
      const holding = new Promise<void>((r) => (letGo = r));
      granted(() => (requests.delete(entry), letGo(), settled));
      return holding;
    });
    const settled = done.then(
      () => {
        requests.delete(entry);
        if (!entry.held) signal?.aborted ? fail(signal.reason) : notGranted();
      },
      (error: Error | undefined) => {
        requests.delete(entry);
        // A granted request's promise rejects only when another request stole the lock (spec: "steal"
        // rejects the held lock's promise with an AbortError). A waiting one was aborted: older
        // browsers reject with a plain AbortError, so pass on the signal's real reason.
        if (entry.held) stolen(`by a steal (${error?.name})`);
        else if (signal?.aborted) fail(signal.reason);
        // Granted while this page could not run callbacks (frozen, or entering the back/forward
        // cache): Blink drops the grant and rejects with a plain Error, "The provided callback is no
        // longer runnable" (seen by the chaos suite, 2 in 20,000 steps). The lock was never ours.
        // Any other error (SecurityError, InvalidStateError of a detached frame...) is the caller's.
        else if (error?.name === 'Error') notGranted();
        else fail(error);
      },
    );
  }

  protected async snapshot(): Promise<LockSnapshot> {
    return (await import('./query.js')).query(this.#locks, requests);
  }
}
