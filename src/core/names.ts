/**
 * Lock names are portable: the rule is bark's key rule, so a name that works in one backend works in
 * every backend, including future file- or server-backed ones (a name may become a file name or a key).
 *
 * - letters, digits, `-`, `_`, `.`;
 * - starts and ends with a letter or digit;
 * - at most 200 bytes (ASCII only, so 200 characters), prefix included.
 */
import { InvalidLockNameError } from './errors.js';

/** 200 bytes: short enough for a file name (255 on common file systems) with room for a suffix. */
export const MAX_NAME_BYTES = 200;

const NAME_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;

/** Throws `InvalidLockNameError` unless `name` follows the rule above. */
export function checkName(name: unknown, what = 'a lock name'): string {
  if (typeof name === 'string' && name.length <= MAX_NAME_BYTES && NAME_PATTERN.test(name)) return name;
  throw new InvalidLockNameError(name, `${what} is 1 to ${MAX_NAME_BYTES} of A-Z a-z 0-9 . _ -, starting and ending with a letter or digit`);
}

/** Joins prefix and name (`<prefix>.<name>`), checking each part and the length of the whole. */
export function fullName(prefix: string | undefined, name: unknown): string {
  const full = prefix === undefined ? checkName(name) : `${prefix}.${checkName(name)}`;
  if (full.length > MAX_NAME_BYTES) throw new InvalidLockNameError(name, `with prefix "${prefix}" is over ${MAX_NAME_BYTES} bytes`);
  return full;
}

/** The caller's name for a full name under `prefix`, or `undefined` if it lies outside the prefix. */
export function localName(prefix: string | undefined, full: string): string | undefined {
  if (prefix === undefined) return full;
  return full.startsWith(`${prefix}.`) ? full.slice(prefix.length + 1) : undefined;
}
