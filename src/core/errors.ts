/**
 * Typed errors. Each has a stable `name`: check `error.name`, not `instanceof`, because errors that
 * cross a worker boundary (comlink, postMessage) arrive as plain objects. What a program needs is a
 * field (`lockName`, `option`, `kind`...); the message says the same for a human, briefly (every byte
 * here ships in the core bundle).
 */
import type { LockMode } from './types.js';

/** `lock()` gave up after its `timeout`. */
export class LockTimeoutError extends Error {
  override readonly name = 'LockTimeoutError';
  constructor(
    readonly lockName: string,
    readonly mode: LockMode,
    /** The timeout the caller asked for, in ms. */
    readonly timeout: number,
    /** Who held the lock when the wait ended (`clientId (mode)`), when the backend knows. */
    readonly holders: readonly string[] = [],
  ) {
    super(`"${lockName}" (${mode}) not acquired in ${timeout} ms${holders.length ? `; held by ${holders.join(', ')}` : ''}`);
  }
}

/**
 * Why a held lock was lost behind its holder's back: `'stolen'` (a Web Locks steal), `'expired'` (a
 * lease ran out), `'renewal-failed'` (storage failed to renew it), `'closed'` (the holder's manager was
 * closed), `'pagehide'` (the page unloaded or entered the back/forward cache and gave its leases up).
 */
export type LockLostKind = 'stolen' | 'expired' | 'renewal-failed' | 'closed' | 'pagehide';

/** The reason a guard's `signal` is aborted with when the lock is lost. */
export class LockLostError extends Error {
  override readonly name = 'LockLostError';
  constructor(
    readonly lockName: string,
    readonly kind: LockLostKind,
    detail?: string,
  ) {
    super(`"${lockName}" lost (${kind})${detail ? `: ${detail}` : ''}`);
  }
}

/** The manager was closed: no more locks from it. */
export class ManagerClosedError extends Error {
  override readonly name = 'ManagerClosedError';
  constructor(readonly lockName?: string) {
    super(`manager closed${lockName ? ` while waiting for "${lockName}"` : ''}`);
  }
}

/** A lock name (or prefix) that is not portable across backends. */
export class InvalidLockNameError extends TypeError {
  override readonly name = 'InvalidLockNameError';
  constructor(
    readonly lockName: unknown,
    reason: string,
  ) {
    super(`invalid lock name ${describe(lockName)}: ${reason}`);
  }
}

/** An option of the wrong type, a missing mandatory option, or an unknown option. */
export class InvalidOptionError extends TypeError {
  override readonly name = 'InvalidOptionError';
  constructor(
    readonly option: string,
    reason: string,
  ) {
    super(`"${option}" ${reason}`);
  }
}

/** An option of the right type but outside its allowed range (a negative or NaN timeout). */
export class OptionRangeError extends RangeError {
  override readonly name = 'OptionRangeError';
  constructor(
    readonly option: string,
    reason: string,
  ) {
    super(`"${option}" ${reason}`);
  }
}

/**
 * A fenced write was refused: the guard no longer holds the lock it was granted (released, lost, or
 * another holder has taken the lock since: the stored generation moved on). Nothing was written.
 */
export class StaleLockError extends Error {
  override readonly name = 'StaleLockError';
  constructor(
    readonly lockName: string,
    /** The guard's generation. */
    readonly generation: number,
    /** The stored generation when the write was refused, when it could be read. */
    readonly current: number | undefined,
    reason: string,
  ) {
    super(`write under "${lockName}" (generation ${generation}) refused: ${reason}`);
  }
}

/** What went wrong with storage. */
export type StorageErrorKind = 'unavailable' | 'blocked' | 'quota' | 'failed' | 'version';

/**
 * Storage failed: `'unavailable'` (it cannot be opened here), `'blocked'` (another connection
 * keeps an old version open past the open timeout), `'quota'` (the origin is out of storage),
 * `'version'` (a lock record was written by a newer crosslock: this code must not touch it; reload),
 * `'failed'` (any other failure; `cause` has the underlying error).
 */
export class StorageError extends Error {
  override readonly name = 'StorageError';
  constructor(
    readonly kind: StorageErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** What a `LockWarning` reports. */
export type LockWarningKind = 'release-failed' | 'record-repaired' | 'message-dropped';

/**
 * Something went wrong that must not be silent but must not fail the call either, dispatched as a
 * `'warning'` event on the manager (`LockWarningEvent`); unless a listener calls `preventDefault()`,
 * it is also printed with `console.warn`.
 * - `'release-failed'`: `withLock()` could not release (storage failed). `withLock` still returns what
 *   `fn` returned (or rethrows what it threw): a wallet that broadcast a transaction must not be told
 *   it failed. A lease then lapses on its own; `cause` has the error.
 * - `'record-repaired'`: a broken lock record of a known version was replaced by a free one.
 * - `'message-dropped'`: a message on the lease bus (BroadcastChannel, Redis pub/sub) was not valid and
 *   was ignored: a buggy or hostile publisher on the channel. Nothing changed hands because of it.
 */
export class LockWarning extends Error {
  override readonly name = 'LockWarning';
  constructor(
    readonly kind: LockWarningKind,
    readonly lockName: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`"${lockName}": ${detail}`, options);
  }
}

/** The platform lacks what a backend needs (e.g. `navigator.locks` outside a secure context). */
export class UnsupportedError extends Error {
  override readonly name = 'UnsupportedError';
}

/** A short, safe rendering of a bad value for an error message: strings quoted and cut, objects by kind. */
export function describe(value: unknown): string {
  const type = typeof value;
  if (type === 'string') return JSON.stringify((value as string).slice(0, 60));
  if (value === null || (type !== 'object' && type !== 'function')) return String(value);
  return Array.isArray(value) ? 'an array' : `a ${type}`;
}
