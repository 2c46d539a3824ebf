/**
 * The part of every `LockManager` that does not depend on the backend: input checks (so every backend
 * rejects the same input with the same error), prefixes, the timeout/abort/close plumbing of a wait,
 * `withLock`, and closing. A backend only answers "grant this request" and "what is held".
 */
import { LockTimeoutError, ManagerClosedError, type LockLostKind } from './errors.js';
import { Guard } from './guard.js';
import { checkName, fullName, localName } from './names.js';
import { must, parseLockOptions, parseTryLockOptions, type ParsedLockOptions } from './options.js';
import { randomId } from './random.js';
import type {
  BackendName,
  LockGuard,
  LockInfo,
  LockManager,
  LockMode,
  LockOptions,
  LockScope,
  LockSnapshot,
  TryLockOptions,
} from './types.js';
import { waitScope } from './wait.js';

/** What a backend is asked to grant. */
export interface AcquireRequest {
  /** The full name (prefix included). */
  readonly name: string;
  readonly mode: LockMode;
  /**
   * `undefined`: answer at once (`null` if not grantable now, like Web Locks' `ifAvailable`).
   * Otherwise wait; on abort, reject with `signal.reason` and leave no trace in the queue.
   */
  readonly signal: AbortSignal | undefined;
  /** Backend-specific options the caller passed (e.g. `steal`). */
  readonly extra: Readonly<Record<string, unknown>>;
  /** Whether the grant must carry the lock's generation (false: `unchecked`, no bookkeeping). */
  readonly checked: boolean;
  /** Tells the holder the lock was lost behind its back; aborts the guard's signal. */
  readonly lost: (kind: LockLostKind, detail?: string) => void;
}

/** A granted request: how to give the lock back (called at most once), and how to check it is still held. */
export interface Grant {
  release(): Promise<void>;
  /** The lock's generation at this grant; required when the request was checked. */
  readonly generation?: number;
  /** What `FencedStore` needs to check this grant in the backend's own storage, if it has any. */
  readonly fence?: Fence;
  /**
   * Called whenever the holder reads `guard.signal`: a backend that can tell synchronously that the
   * lock is gone (a lease past its deadline) reports the loss here, so the signal never says "held"
   * after the fact, whatever order the tasks of a thawed tab run in.
   */
  check?(): void;
}

/** Where a grant's generation lives, so `FencedStore` can check it in the same transaction as a write. */
export interface Fence {
  /** The IndexedDB database holding the lock records. */
  readonly database: string;
  /** The full lock name (the record's key). */
  readonly name: string;
  /** For leases: the grant's token, which must still hold a live lease. */
  readonly token?: string;
}

const fences = new WeakMap<LockGuard, { fence: Fence; generation: number }>();

/** The fence of a guard handed out by a crosslock manager, if its backend keeps generations in storage. */
export function fenceOf(guard: LockGuard): { fence: Fence; generation: number } | undefined {
  return fences.get(guard);
}

/** `O`: the `lock()` options of the backend (the contract's, or more, e.g. Web Locks' `steal`). */
export abstract class BaseLockManager<O extends LockOptions = LockOptions> implements LockManager {
  abstract readonly backend: BackendName;
  abstract readonly scope: LockScope;
  readonly prefix: string | undefined;
  readonly clientId: string = randomId();
  readonly #closing = new AbortController();
  readonly #held = new Set<Guard>();
  /** The generation of this manager's last grant of each name: what `poisoned` compares with. */
  readonly #lastSeen = new Map<string, number>();
  #closed: Promise<void> | undefined;

  constructor(prefix: unknown) {
    this.prefix = prefix === undefined ? undefined : checkName(prefix, 'a prefix');
  }

  /** Grants a request (see `AcquireRequest`). */
  protected abstract acquire(request: AcquireRequest): Promise<Grant | null>;
  /** Held and pending requests of the whole backend, with full names. */
  protected abstract snapshot(): Promise<LockSnapshot>;
  /** Frees what the backend holds for this manager once every guard is released. */
  protected async dispose(): Promise<void> {}
  /** Backend-specific `lock()` option keys, checked by `checkExtra`. */
  protected readonly extraLockKeys: readonly string[] = [];
  /** Checks backend-specific options; throws a typed error. */
  protected checkExtra(_options: ParsedLockOptions): void {}

  lock(name: string, options: O): Promise<LockGuard> {
    return this.#lock(name, options, 'lock()');
  }

  async tryLock(name: string, options?: TryLockOptions): Promise<LockGuard | null> {
    const full = fullName(this.prefix, name);
    const parsed = parseTryLockOptions(options);
    this.#throwIfClosed();
    return this.#acquire(name, full, { ...parsed, signal: undefined, extra: {} });
  }

  async withLock<T>(name: string, options: O, fn: (guard: LockGuard) => T | PromiseLike<T>): Promise<T> {
    must('fn', fn, typeof fn === 'function', 'a function');
    const guard = await this.#lock(name, options, 'withLock()');
    try {
      return await fn(guard);
    } finally {
      await guard.release();
    }
  }

  async query(): Promise<LockSnapshot> {
    const all = await this.snapshot();
    const mine = (list: readonly LockInfo[]): LockInfo[] =>
      list.flatMap((info) => {
        const name = localName(this.prefix, info.name);
        return name === undefined ? [] : [{ ...info, name }];
      });
    return { held: mine(all.held), pending: mine(all.pending) };
  }

  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    this.#closing.abort(new ManagerClosedError());
    const held = [...this.#held];
    for (const guard of held) guard.lose('closed', 'the manager was closed');
    const results = await Promise.allSettled(held.map((guard) => guard.release()));
    await this.dispose();
    for (const result of results) if (result.status === 'rejected') throw result.reason;
  }

  #throwIfClosed(): void {
    if (this.#closing.signal.aborted) throw new ManagerClosedError();
  }

  async #lock(name: string, options: O, call: string): Promise<Guard> {
    const full = fullName(this.prefix, name);
    const parsed = parseLockOptions(options, call, this.extraLockKeys);
    this.checkExtra(parsed);
    this.#throwIfClosed();
    if (parsed.signal?.aborted) throw parsed.signal.reason;

    if (parsed.timeout === 0) {
      const guard = await this.#acquire(name, full, { ...parsed, signal: undefined });
      if (guard) return guard;
      throw await this.#timeoutError(full, parsed);
    }
    // Made only when the timer fires: an Error captures a stack, which costs more than the whole
    // lock() call (measured: ~30 µs per call in Chromium when built eagerly).
    let timedOut: LockTimeoutError | undefined;
    const wait = waitScope([parsed.signal, this.#closing.signal], parsed.timeout, () => {
      timedOut = new LockTimeoutError(full, parsed.mode, parsed.timeout);
      return timedOut;
    });
    try {
      // A waiting request is never answered null (backends resolve it with a grant or reject it).
      return (await this.#acquire(name, full, { ...parsed, signal: wait.signal }))!;
    } catch (error) {
      if (timedOut !== undefined && error === timedOut) throw await this.#timeoutError(full, parsed);
      throw error;
    } finally {
      wait.dispose();
    }
  }

  async #acquire(
    name: string,
    full: string,
    request: Pick<AcquireRequest, 'mode' | 'signal' | 'extra' | 'checked'>,
  ): Promise<Guard | null> {
    let guard: Guard | undefined;
    let early: [LockLostKind, string | undefined] | undefined;
    const grant = await this.acquire({
      ...request,
      name: full,
      lost: (kind, detail) => (guard ? guard.lose(kind, detail) : (early ??= [kind, detail])),
    });
    if (!grant) return null;
    let generation: number | undefined;
    let poisoned: boolean | undefined;
    if (request.checked) {
      // A checked grant always has a generation (the conformance suite holds every backend to it).
      generation = grant.generation!;
      poisoned = this.#lastSeen.get(full) !== generation;
      this.#lastSeen.set(full, generation);
    }
    const current = new Guard(
      name,
      full,
      request.mode,
      generation,
      poisoned,
      () => {
        this.#held.delete(current);
        return grant.release();
      },
      grant.check,
    );
    guard = current;
    this.#held.add(current);
    if (generation !== undefined && grant.fence) fences.set(current, { fence: grant.fence, generation });
    if (early) current.lose(...early);
    if (this.#closing.signal.aborted) {
      // Granted while close() ran: give it straight back rather than hand out a guard of a closed manager.
      await current.release();
      throw new ManagerClosedError(full);
    }
    return current;
  }

  /** A timeout error naming who held the lock when the wait ended. */
  async #timeoutError(full: string, options: ParsedLockOptions): Promise<LockTimeoutError> {
    // The snapshot only decorates the error; if it fails, the timeout is still the error that matters.
    const { held } = await this.snapshot().catch(() => ({ held: [] as LockInfo[] }));
    const holders = held.filter((l) => l.name === full).map((l) => `${l.clientId ?? '?'} (${l.mode})`);
    return new LockTimeoutError(full, options.mode, options.timeout, holders);
  }
}
