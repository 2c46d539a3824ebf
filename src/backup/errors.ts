/** Errors of crosslock/backup, each with a stable `name` and a `kind`. */

/**
 * What is wrong with a backup's bytes: `'truncated'` (shorter than its header says: a torn write),
 * `'magic'` (not a crosslock backup), `'version'` (a format this code does not know: written by a newer
 * crosslock), `'checksum'` (corrupted: the SHA-256 over header and payload does not match), `'wallet'`
 * (another wallet's backup), `'key'` (encrypted, and no key or the wrong key was given).
 */
export type BackupFormatKind = 'truncated' | 'magic' | 'version' | 'checksum' | 'wallet' | 'key';

export class BackupFormatError extends Error {
  override readonly name = 'BackupFormatError';
  constructor(
    readonly kind: BackupFormatKind,
    detail: string,
  ) {
    super(`backup ${kind}: ${detail}`);
  }
}

/**
 * A swap refused by a safety rule, nothing written: `'empty'` (an empty backup would replace a non-empty
 * one), `'unverifiable'` (the backup it would replace does not verify: keep it for a person to look at),
 * `'wallet'` (the stored backup is another wallet's), `'conflict'` (the stored backup changed between
 * reading it and swapping: another writer). Pass `{ replace: true }` to override the first three.
 */
export type BackupRefusedKind = 'empty' | 'unverifiable' | 'wallet' | 'conflict';

export class BackupRefusedError extends Error {
  override readonly name = 'BackupRefusedError';
  constructor(
    readonly kind: BackupRefusedKind,
    detail: string,
  ) {
    super(`backup not written (${kind}): ${detail}`);
  }
}
