/**
 * The part of every `LockManager` that does not depend on the backend: input checks (so every backend
 * rejects the same input with the same error), prefixes and full names (names.ts), the timeout/abort/close
 * plumbing of a wait, `withLock`, and closing. A backend only answers "grant this request" and "what is held".
 */
import { LockLostError, LockTimeoutError, LockWarning, ManagerClosedError, type LockLostKind, type LockWarningKind } from './errors.js';
import { fences, sawGeneration, type AcquireRequest, type Grant } from './grant.js';
import { Guard } from './guard.js';
import { checkPrefix, fullName, localName, RESERVED } from './names.js';
import { LOCK_KEYS, must, parseLockOptions, parseTryLockOptions, type ParsedLockOptions } from './options.js';
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
  LockWarningEvent,
  TryLockOptions,
} from './types.js';
import { settledBy, waitScope } from './wait.js';

/**
 * How long a timeout error may wait for the snapshot that names the holders, ms. The snapshot only
 * decorates the error (a lazy chunk, a store read, a blocked open could take seconds or never end);
 * the timeout itself must fire on time, so past this budget the error names no holders.
 */
export const TIMEOUT_DECORATION_MS = 25;

class WarningEvent extends Event {
  constructor(readonly warning: LockWarning) {
    super('warning', { cancelable: true });
  }
}

/** `O`: the `lock()` options of the backend (the contract's, or more, e.g. Web Locks' `steal`). */
export abstract class BaseLockManager<O extends LockOptions = LockOptions> extends EventTarget implements LockManager {
  abstract readonly backend: BackendName;
  abstract readonly scope: LockScope;
  readonly prefix: string | undefined;
  readonly clientId: string = randomId();
  readonly #closing = new AbortController();
  readonly #held = new Set<Guard>();
  /** The generation of this manager's last grant of each name: what `poisoned` compares with. */
  readonly #lastSeen = new Map<string, number>();
  #closed: Promise<void> | undefined;
  #lockKeys: string[] | undefined;

  constructor(prefix: unknown) {
    super();
    this.prefix = prefix === undefined ? undefined : checkPrefix(prefix);
  }

  /** Reports a problem without failing a call: a `'warning'` event, and `console.warn` unless prevented. */
  protected warn(kind: LockWarningKind, lockName: string, detail: string, cause?: unknown): void {
    const warning = new LockWarning(kind, lockName, detail, cause === undefined ? undefined : { cause });
    if (this.dispatchEvent(new WarningEvent(warning))) console.warn(warning);
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
    return this.runHolder(await this.#lock(name, options, 'withLock()'), fn);
  }

  /** Runs `fn` under `guard`, then releases it (a failed release is a warning: `fn`'s outcome stands). */
  protected async runHolder<T>(guard: Guard, fn: (guard: LockGuard) => T | PromiseLike<T>): Promise<T> {
    const release = (): Promise<void> =>
      guard.release().catch((error: unknown) => this.warn('release-failed', guard.fullName, `withLock() could not release: ${(error as Error)?.message}`, error));
    let result: T;
    try {
      result = await fn(guard);
    } catch (error) {
      await release();
      throw error;
    }
    await release();
    return result;
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

  /** The signal `close()` aborts (with `ManagerClosedError`). */
  protected get closing(): AbortSignal {
    return this.#closing.signal;
  }

  /** A `lock()`/`withLock()` call's full name and checked options; throws what every backend throws. */
  protected parse(name: string, options: O, call: string): [full: string, parsed: ParsedLockOptions] {
    // A reserved name (crosslock's own locks: names.ts) only when the layers ask with RESERVED.
    const full = fullName(this.prefix, name, (options as { [RESERVED]?: unknown } | undefined)?.[RESERVED] === true);
    const parsed = parseLockOptions(options, call, this.extraLockKeys, (this.#lockKeys ??= [...LOCK_KEYS, ...this.extraLockKeys]));
    this.checkExtra(parsed);
    this.#throwIfClosed();
    if (parsed.signal?.aborted) throw parsed.signal.reason;
    return [full, parsed];
  }

  async #lock(name: string, options: O, call: string): Promise<Guard> {
    const [full, parsed] = this.parse(name, options, call);

    if (parsed.timeout === 0) {
      // Granted but lost before it could be handed out (a steal at that very moment): not a timeout.
      let lost: LockLostError | undefined;
      const onLost = (kind: LockLostKind, detail: string | undefined): void => void (lost = new LockLostError(full, kind, `${detail ?? kind}, before lock() could return it`));
      const guard = await this.#acquire(name, full, { ...parsed, signal: undefined }, onLost);
      if (guard) return guard;
      if (lost) throw lost;
      throw await this.timeoutError(full, parsed);
    }
    // Made only when the timer fires: an Error captures a stack, which costs more than the whole
    // lock() call (measured: ~30 µs per call in Chromium when built eagerly).
    let timedOut: LockTimeoutError | undefined;
    const wait = waitScope([parsed.signal, this.#closing.signal], parsed.timeout, () => {
      timedOut = new LockTimeoutError(full, parsed.mode, parsed.timeout);
      return timedOut;
    });
    try {
      for (;;) {
        // A waiting request is answered null only when its grant was lost before it could be handed
        // out (see #acquire): ask again; the wait's timeout, signal and close() still bound it.
        const acquiring = this.#acquire(name, full, { ...parsed, signal: wait.signal });
        // Only a timeout or the caller's signal needs racing (close() takes back what it finds itself);
        // so a wait for ever adds no listener per waiter to the manager's own signal.
        const guard = wait.signal === this.#closing.signal ? await acquiring : await settledBy(acquiring, wait.signal, (late) => this.#unseen(full, late));
        if (guard) return guard;
        if (wait.signal.aborted) throw wait.signal.reason;
      }
    } catch (error) {
      if (timedOut !== undefined && error === timedOut) throw await this.timeoutError(full, parsed);
      throw error;
    } finally {
      wait.dispose();
    }
  }

  /** A guard that arrived after its lock() gave up: released, and its generation not counted as seen (`poisoned` stays honest). */
  #unseen(full: string, guard: Guard): void {
    this.#lastSeen.delete(full);
    guard.release().catch(() => {});
  }

  /** The guard of a grant: generation and `poisoned` when checked, released once, taken back by `close()`. */
  protected guardOf(name: string, full: string, mode: LockMode, checked: boolean, grant: Grant): Guard {
    // A checked grant always has a generation (the conformance suite holds every backend to it).
    const generation = checked ? grant.generation! : undefined;
    const guard = new Guard(
      name,
      full,
      mode,
      generation,
      generation === undefined ? undefined : sawGeneration(this.#lastSeen, full, generation),
      () => {
        this.#held.delete(guard);
        return grant.release();
      },
      grant.check,
    );
    this.#held.add(guard);
    if (generation !== undefined && grant.fence) fences.set(guard, { fence: grant.fence, generation });
    return guard;
  }

  async #acquire(
    name: string,
    full: string,
    request: Pick<AcquireRequest, 'mode' | 'signal' | 'extra' | 'checked'>,
    onLost?: (kind: LockLostKind, detail: string | undefined) => void,
  ): Promise<Guard | null> {
    let guard: Guard | undefined;
    let early: [LockLostKind, string | undefined] | undefined;
    /** Makes the grant's guard, synchronously; `undefined` when it was lost before it could be handed out. */
    const handOut = (grant: Grant): Guard | undefined => {
      // Checked at hand-out: a grant whose lease already ran out (a handoff message that arrived late) or
      // that was stolen while its generation was being recorded is never handed out as a live guard.
      grant.check?.();
      return early ? undefined : (guard = this.guardOf(name, full, request.mode, request.checked, grant));
    };
    const grant = await this.acquire({
      ...request,
      name: full,
      lost: (kind, detail) => (guard ? guard.lose(kind, detail) : (early ??= [kind, detail])),
    });
    if (!grant) return null;
    if (!handOut(grant)) {
      await grant.release().catch(() => {});
      onLost?.(...early!);
      return null;
    }
    if (this.#closing.signal.aborted) {
      // Granted while close() ran: give it straight back rather than hand out a guard of a closed manager.
      await guard!.release();
      throw new ManagerClosedError(full);
    }
    return guard!;
  }

  /** A timeout error naming who held the lock when the wait ended, if that is known within the budget. */
  protected async timeoutError(full: string, options: ParsedLockOptions): Promise<LockTimeoutError> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const budget = new Promise<undefined>((resolve) => (timer = setTimeout(resolve, TIMEOUT_DECORATION_MS, undefined)));
    // The snapshot only decorates the error; if it fails or is late, the timeout is still the error.
    const snapshot = await Promise.race([this.snapshot().catch(() => undefined), budget]).finally(() => clearTimeout(timer));
    const holders = (snapshot?.held ?? []).filter((l) => l.name === full).map((l) => `${l.clientId ?? '?'} (${l.mode})`);
    return new LockTimeoutError(full, options.mode, options.timeout, holders);
  }
}

/** The typed `'warning'` listener overloads of the contract, merged into the class. */
export interface BaseLockManager<O extends LockOptions = LockOptions> {
  addEventListener(type: 'warning', listener: (event: LockWarningEvent) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
  removeEventListener(type: 'warning', listener: (event: LockWarningEvent) => void, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void;
}
