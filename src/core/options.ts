/**
 * Input checks shared by every backend, so every backend fails the same way on the same bad input.
 * Nothing is defaulted silently: a wrong type is an `InvalidOptionError` (a TypeError), a value out of
 * range is an `OptionRangeError` (a RangeError), an unknown key is an `InvalidOptionError` too (a typo
 * such as `{ timout: 10 }` must not turn into "wait for ever").
 */
import { InvalidOptionError, OptionRangeError, describe } from './errors.js';
import type { LockMode } from './types.js';

export interface ParsedLockOptions {
  timeout: number;
  signal: AbortSignal | undefined;
  mode: LockMode;
  checked: boolean;
  /** Backend-specific keys the caller passed, already known to be allowed. */
  extra: Readonly<Record<string, unknown>>;
}

/** Checks `value` is a plain options object with no key outside `allowed` and `more`. */
export function checkObject(
  value: unknown,
  allowed: readonly string[],
  call: string,
  more: readonly string[] = [],
): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidOptionError('options', `${call} takes an options object, got ${describe(value)}`);
  }
  for (const key in value) {
    if (!allowed.includes(key) && !more.includes(key)) {
      throw new InvalidOptionError(key, `unknown option for ${call}; known options: ${[...allowed, ...more].join(', ')}`);
    }
  }
  return value as Record<string, unknown>;
}

export function checkMode(mode: unknown): LockMode {
  if (mode === undefined || mode === 'exclusive') return 'exclusive';
  if (mode === 'shared') return 'shared';
  throw new InvalidOptionError('mode', `must be "exclusive" or "shared", got ${describe(mode)}`);
}

export function checkTimeout(timeout: unknown): number {
  if (timeout === undefined) {
    throw new InvalidOptionError('timeout', 'is required (ms); pass Infinity to wait for ever, 0 for one attempt');
  }
  if (typeof timeout !== 'number') throw new InvalidOptionError('timeout', `must be a number of ms, got ${describe(timeout)}`);
  if (Number.isNaN(timeout)) throw new OptionRangeError('timeout', 'is NaN');
  if (timeout < 0) throw new OptionRangeError('timeout', `must be >= 0, got ${timeout}`);
  return timeout;
}

export function checkSignal(signal: unknown): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  // Duck-typed: a signal from another realm (an iframe) fails `instanceof AbortSignal` but works.
  const s = signal as Partial<AbortSignal> | null;
  if (typeof s !== 'object' || s === null || typeof s.aborted !== 'boolean' || typeof s.addEventListener !== 'function') {
    throw new InvalidOptionError('signal', `must be an AbortSignal, got ${describe(signal)}`);
  }
  return signal as AbortSignal;
}

const LOCK_KEYS: readonly string[] = ['timeout', 'signal', 'mode', 'unchecked'];

export function checkChecked(unchecked: unknown): boolean {
  if (unchecked === undefined || unchecked === false) return true;
  if (unchecked === true) return false;
  throw new InvalidOptionError('unchecked', `must be a boolean, got ${describe(unchecked)}`);
}
export const NO_EXTRA: Readonly<Record<string, unknown>> = Object.freeze({});

/** Checks the options of `lock()`/`withLock()`; `extraKeys` are backend-specific keys (e.g. `steal`). */
export function parseLockOptions(options: unknown, call: string, extraKeys: readonly string[] = []): ParsedLockOptions {
  const o = checkObject(options, LOCK_KEYS, call, extraKeys);
  let extra = NO_EXTRA;
  for (const key of extraKeys) if (o[key] !== undefined) extra = { ...extra, [key]: o[key] };
  return { timeout: checkTimeout(o.timeout), signal: checkSignal(o.signal), mode: checkMode(o.mode), checked: checkChecked(o.unchecked), extra };
}

/** Checks the options of `tryLock()`, which never waits and so takes no timeout or signal. */
export function parseTryLockOptions(options: unknown): { mode: LockMode; checked: boolean } {
  if (options === undefined) return { mode: 'exclusive', checked: true };
  const o = checkObject(options, ['mode', 'unchecked'], 'tryLock()');
  return { mode: checkMode(o.mode), checked: checkChecked(o.unchecked) };
}
