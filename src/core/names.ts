/**
 * Lock names, and the full names backends store and contend on.
 *
 * A NAME is portable (bark's key rule), so a name that works in one backend works in every backend,
 * including future file- or server-backed ones (a name may become a file name or a key): letters, digits,
 * `-`, `_`, `.`, starting and ending with a letter or digit. Prefixes, election and service names and
 * store namespaces follow the same rule.
 *
 * The FULL NAME (the Web Locks name, the IndexedDB key, the Redis hash field, `LockTimeoutError.lockName`)
 * is `<prefix>+<name>`, or `+<name>` without a prefix. Invariants, and why:
 * - `+` is outside the rule, so the first `+` splits a full name uniquely: distinct (prefix, name) pairs
 *   never share a full name (`alice` + `savings.sync` is `alice+savings.sync`, `alice.savings` + `sync` is
 *   `alice.savings+sync`), and `localName` inverts `fullName`.
 * - The `+` is there without a prefix too, so no full name is a name of the rule, while every full name of
 *   the old encoding (`<prefix>.<name>`, or `<name>`) was one: a record (or Web Lock) of the old encoding
 *   is never read as a lock of this one. It is not read at all.
 * - A manager without a prefix is the manager of the empty prefix: its `query()` shows, and its locks
 *   contend with, unprefixed names only; never another prefix's locks (they are not its to take).
 * - Crosslock's own locks (an election's, a service host's, a backup's) are RESERVED: their local part
 *   is `<kind>+<part>+...` (`leader+sync`: full name `<prefix>+leader+sync`). It contains a `+`, which no
 *   name does, so no `lock()` can ask for one: an app's lock `sync` and `new LeaderElection(m, 'sync')`
 *   never meet. Only the layers ask for them (the `RESERVED` option); `query()` lists them as `leader+sync`.
 * - At most MAX_NAME_BYTES for the full name (names are ASCII: bytes are characters), so a name has at most
 *   199 minus the prefix's length. A name from which crosslock derives a lock (an election's, a service's,
 *   a wallet id) is checked against the derived lock's full length when what uses it is made
 *   (`checkDerived`), never only when the lock is first asked for.
 *
 * Why `+`: valid in file names everywhere (unlike `/` `\`, `:` on Windows, `* ? " < > |`); never part of
 * a Windows 8.3 short name (`~` is: `WALLET~1` could open another file); nothing to shells (bash's and
 * zsh's `~` and `=` expand at a word's start), to Redis key patterns or hash tags (`{}`), to IndexedDB, or
 * to Web Locks (which reserves names starting with `-`); literal in a URL path (`encodeURIComponent`
 * escapes it; only a form-encoded query string reads it as a space).
 */
import { InvalidLockNameError } from './errors.js';

/** 200 bytes: short enough for a file name (255 on common file systems) with room for a suffix. */
export const MAX_NAME_BYTES = 200;

/** Between a prefix and a name, and between the parts of a reserved name: outside the rule. */
export const SEPARATOR = '+';

const NAME_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;

/** Whether `value` is a name of the rule, of at most `max` bytes. */
export const isName = (value: unknown, max = MAX_NAME_BYTES): value is string => typeof value === 'string' && value.length <= max && NAME_PATTERN.test(value);

/** The rule, for error messages. */
export const rule = (max = MAX_NAME_BYTES): string => `1 to ${max} of A-Z a-z 0-9 . _ -, starting and ending with a letter or digit`;

/** Throws `InvalidLockNameError` unless `name` follows the rule, in at most `max` bytes (`why` says why that many). */
export function checkName(name: unknown, what = 'a lock name', max = MAX_NAME_BYTES, why = ''): string {
  if (isName(name, max)) return name;
  throw new InvalidLockNameError(name, `${what} is ${rule(max)}${why}`);
}

/** A prefix: a name that leaves room for `+` and a name of one character. */
export const checkPrefix = (prefix: unknown): string => checkName(prefix, 'a prefix', MAX_NAME_BYTES - 2);

/**
 * The `lock()` option (symbol-keyed: no `for...in` sees it, so option checks pass it by) by which
 * crosslock's own layers ask for a reserved name. `Symbol.for`: two copies of crosslock in one app agree.
 */
export const RESERVED: unique symbol = Symbol.for('crosslock.reserved') as never;

/** `options` asking for a reserved name (see `RESERVED`), typed as given. */
export const reservedOptions = <T extends object>(options: T): T => ({ ...options, [RESERVED]: true });

/** The kinds of crosslock's own locks: an election's, a service's election and each host's alive lock, a backup's election. */
export type ReservedKind = 'leader' | 'service' | 'alive' | 'backup';

/** The local part of a reserved name: `<kind>+<part>+...` (each part a name of the rule). */
export const reserved = (kind: ReservedKind, ...parts: Array<string | number>): string => [kind, ...parts].join(SEPARATOR);

/**
 * Joins prefix and name (`<prefix>+<name>`, `+<name>`): `InvalidLockNameError` unless the name (or, `own`,
 * the reserved name: parts of the rule joined by `+`) follows the rule and the whole fits in MAX_NAME_BYTES.
 */
export function fullName(prefix: string | undefined, name: unknown, own = false): string {
  const max = MAX_NAME_BYTES - 1 - (prefix?.length ?? 0);
  const ok = own ? typeof name === 'string' && name.length <= max && name.includes(SEPARATOR) && name.split(SEPARATOR).every((part) => NAME_PATTERN.test(part)) : isName(name, max);
  if (ok) return `${prefix ?? ''}${SEPARATOR}${name as string}`;
  throw new InvalidLockNameError(name, `a lock name is ${rule(max)} (${MAX_NAME_BYTES} with "${prefix ?? ''}+")`);
}

/** The local part (a name, or a reserved one) of a full name under `prefix`, or `undefined` if it lies outside. */
export function localName(prefix: string | undefined, full: string): string | undefined {
  const at = full.indexOf(SEPARATOR);
  return at >= 0 && full.slice(0, at) === (prefix ?? '') ? full.slice(at + 1) : undefined;
}

/**
 * Checks `name`, from which crosslock derives its own lock `<prefix>+<kind>+<name>` (plus `room` bytes of
 * parts known only later, e.g. a service's epoch and host id): throws `InvalidLockNameError`, naming the
 * limit, unless that lock's full name fits in MAX_NAME_BYTES.
 */
export function checkDerived(prefix: string | undefined, kind: ReservedKind, name: unknown, what: string, room = 0): string {
  const lock = `"${prefix ?? ''}+${kind}+<name>${room ? '+…' : ''}"`;
  return checkName(name, what, MAX_NAME_BYTES - (prefix?.length ?? 0) - kind.length - 2 - room, `, for crosslock's lock ${lock} to fit in ${MAX_NAME_BYTES}`);
}
