/**
 * Input checks shared by every backend, so every backend fails the same way on the same bad input.
 * Nothing is defaulted silently: a wrong type is an `InvalidOptionError` (a TypeError), a value out of
 * range is an `OptionRangeError` (a RangeError), an unknown key is an `InvalidOptionError` too (a typo
 * such as `{ timout: 10 }` must not turn into "wait for ever").
 */
import { InvalidOptionError, OptionRangeError, describe } from './errors.js';
import { isName, rule } from './names.js';
import { MAX_TIMER_DELAY } from './wait.js';
import type { LockMode } from './types.js';

export interface ParsedLockOptions {
  timeout: number;
  signal: AbortSignal | undefined;
  mode: LockMode;
  checked: boolean;
  /** Backend-specific keys the caller passed (already known to be allowed), e.g. `steal`. */
  extra: Readonly<Record<string, unknown>>;
}

/** Checks `value` is a plain options object with no key outside `allowed`. */
export function checkObject(value: unknown, allowed: readonly string[], call: string): Record<string, unknown> {
  if (typeof value !== 'object' || !value || Array.isArray(value)) {
    throw new InvalidOptionError('options', `of ${call} must be an object, got ${describe(value)}`);
  }
  for (const key in value) {
    if (!allowed.includes(key)) throw new InvalidOptionError(key, `is not an option of ${call} (${allowed.join(', ')})`);
  }
  return value as Record<string, unknown>;
}

/** Throws `InvalidOptionError` when `value` is given and is not `what` (`ok` says whether it is). */
export function must(option: string, value: unknown, ok: boolean, what: string): void {
  if (value !== undefined && !ok) throw new InvalidOptionError(option, `must be ${what}, got ${describe(value)}`);
}

/** Checks the options shared by `lock()` and `tryLock()`: `mode` and `unchecked`; answers the mode. */
function modeOf(o: Record<string, unknown>): LockMode {
  must('mode', o.mode, o.mode === 'exclusive' || o.mode === 'shared', '"exclusive" or "shared"');
  must('unchecked', o.unchecked, typeof o.unchecked === 'boolean', 'a boolean');
  return (o.mode as LockMode | undefined) ?? 'exclusive';
}

/** The keys of `lock()`'s options every backend takes. */
export const LOCK_KEYS = ['timeout', 'signal', 'mode', 'unchecked'];
/** The `extra` of a call with no backend-specific option: one shared empty object (never written to). */
const NONE: Readonly<Record<string, unknown>> = {};

/**
 * Checks the options of `lock()`/`withLock()`; `extraKeys` are backend-specific keys (e.g. `steal`),
 * `allowed` all of them (`LOCK_KEYS` and `extraKeys`, made once by the caller). On every call of the hot
 * path (issue 17): no list, object or spread made beyond the answer itself.
 */
export function parseLockOptions(options: unknown, call: string, extraKeys: readonly string[], allowed: readonly string[]): ParsedLockOptions {
  const o = checkObject(options, allowed, call);
  const { timeout, signal } = o;
  if (timeout === undefined) throw new InvalidOptionError('timeout', 'is required (ms): Infinity waits for ever, 0 tries once');
  must('timeout', timeout, typeof timeout === 'number', 'a number of ms');
  if (!((timeout as number) >= 0)) throw new OptionRangeError('timeout', `must be >= 0, got ${timeout}`);
  // Duck-typed: a signal from another realm (an iframe) fails `instanceof AbortSignal` but works.
  const s = signal as Partial<AbortSignal> | null;
  must('signal', signal, typeof s?.aborted === 'boolean' && typeof s.addEventListener === 'function', 'an AbortSignal');
  let extra: Record<string, unknown> | undefined;
  for (const key of extraKeys) if (o[key] !== undefined) (extra ??= {})[key] = o[key];
  return { timeout: timeout as number, signal: signal as AbortSignal | undefined, mode: modeOf(o), checked: o.unchecked !== true, extra: extra ?? NONE };
}

/** Checks the options of `tryLock()`, which never waits and so takes no timeout or signal. */
export function parseTryLockOptions(options: unknown = {}): { mode: LockMode; checked: boolean } {
  const o = checkObject(options, ['mode', 'unchecked'], 'tryLock()');
  return { mode: modeOf(o), checked: o.unchecked !== true };
}

/** The IndexedDB database every browser backend and `FencedStore` use unless told otherwise. */
export const DEFAULT_DATABASE = 'crosslock';

/** How long opening a database may stay blocked by another tab's old connection, ms, unless told otherwise. */
export const DEFAULT_OPEN_TIMEOUT_MS = 5000;

/**
 * The `database` option: a non-empty string without `{` or `}`, default `DEFAULT_DATABASE`. One rule for
 * every backend (platformDefault passes one `database` to each): Redis keys are `crosslock:{<database>}:...`,
 * so a `}` would let one database's keys be another's (`x}:fenced:y`'s records are namespace `y}:records`
 * of `x`) and either brace would move the cluster hash tag, which keeps a database's keys in one slot.
 */
export function databaseOption(value: unknown): string {
  if (value === undefined) return DEFAULT_DATABASE;
  if (typeof value !== 'string' || value === '' || /[{}]/.test(value)) throw new InvalidOptionError('database', `must be a non-empty string without { or }, got ${describe(value)}`);
  return value;
}

/**
 * A fenced store's `namespace`: a name of the rule (core/names.ts), so it can become a key or a file name
 * anywhere, and never is one of crosslock's own (a backup's records are namespace `backup:<walletId>`).
 */
export function namespaceOption(value: unknown): string {
  if (isName(value)) return value;
  throw new InvalidOptionError('namespace', `must be ${rule()}, got ${describe(value)}`);
}

/**
 * A duration option in ms: a number (`InvalidOptionError` otherwise), > 0 and at most `max`
 * (`OptionRangeError` otherwise). `Infinity` is accepted only where `infinite` says what it means
 * ("no limit"); a finite value must fit a timer (2^31-1 ms), or the timer would fire at once.
 */
export function msOption(key: string, value: unknown, fallback: number, max = MAX_TIMER_DELAY, infinite = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') throw new InvalidOptionError(key, `must be a number of ms, got ${describe(value)}`);
  if (infinite && value === Infinity) return value;
  if (!(value > 0 && value <= max)) throw new OptionRangeError(key, `must be > 0 and <= ${max}${infinite ? ' (or Infinity: no limit)' : ''}, got ${value}`);
  return value;
}
