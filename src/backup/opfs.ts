/**
 * The Origin Private File System backup target (browsers that have it): `<walletId>.backup` and an archive
 * `<walletId>~<sequence>.backup` in the directory `crosslock-backup` of the origin's private file system.
 *
 * What a swap guarantees: the new backup is written through `createWritable()`, which writes to a swap
 * file and replaces the target only on `close()` (File System spec: "swap file"), so a crash or a closed
 * tab at any moment leaves the old backup or the new one, whole. The previous backup is archived the same
 * way first. Fencing: the guard is checked just before `close()`; a guard lost by then aborts the writable
 * and nothing is replaced (a frozen tab's late swap is refused when it thaws). As with files in Node, the
 * check and the close are not one transaction with the lock record: use the IndexedDB target (the default)
 * where that matters. The spec says nothing of durability on power loss (no fsync).
 * Where `createWritable` is missing (Safari before 26 outside workers), `UnsupportedError`.
 */
import { StaleLockError, UnsupportedError } from '../core/errors.js';
import type { LockGuard } from '../core/types.js';
import { BackupRefusedError } from './errors.js';
import { sameBytes } from './format.js';
import type { BackupTarget } from './indexeddb.js';

const DIRECTORY = 'crosslock-backup';

export class OpfsBackupTarget implements BackupTarget {
  readonly #latest: string;

  constructor(readonly walletId: string) {
    if (!/^[\w.-]+$/.test(walletId)) throw new TypeError(`an OPFS backup's walletId must be a file name (letters, digits, ., -, _), got ${JSON.stringify(walletId)}`);
    this.#latest = `${walletId}.backup`;
  }

  async latest(): Promise<Uint8Array | undefined> {
    return read(await this.#dir(), this.#latest);
  }

  async history(): Promise<Uint8Array[]> {
    const dir = await this.#dir();
    const names = (await this.#archived(dir)).reverse();
    return Promise.all(names.map(async (name) => (await read(dir, name))!));
  }

  async swap(guard: LockGuard, next: Uint8Array, current: Uint8Array | undefined, currentSequence: number | undefined, keep: number): Promise<void> {
    const dir = await this.#dir();
    if (!sameBytes(await read(dir, this.#latest), current)) throw new BackupRefusedError('conflict', 'the backup file changed since it was read: another writer');
    if (guard.released || guard.signal.aborted) throw new StaleLockError(guard.name, guard.generation ?? -1, undefined, 'the lock was lost or released before the swap');
    if (current && currentSequence !== undefined) await write(dir, `${this.walletId}~${String(currentSequence).padStart(16, '0')}.backup`, current, () => {});
    await write(dir, this.#latest, next, () => {
      if (guard.released || guard.signal.aborted) throw new StaleLockError(guard.name, guard.generation ?? -1, undefined, 'the lock was lost or released before the swap');
    });
    const archived = await this.#archived(dir);
    for (const name of archived.slice(0, Math.max(0, archived.length - keep))) await dir.removeEntry(name).catch(() => {});
  }

  close(): void {}

  async #dir(): Promise<FileSystemDirectoryHandle> {
    const storage = globalThis.navigator?.storage;
    if (typeof storage?.getDirectory !== 'function') throw new UnsupportedError('the Origin Private File System is not available here');
    return (await storage.getDirectory()).getDirectoryHandle(DIRECTORY, { create: true });
  }

  async #archived(dir: FileSystemDirectoryHandle): Promise<string[]> {
    const names: string[] = [];
    const prefix = `${this.walletId}~`; // '~' is not allowed in a wallet id: no other wallet's file matches
    for await (const name of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) {
      if (name.startsWith(prefix) && /^\d{16}\.backup$/.test(name.slice(prefix.length))) names.push(name);
    }
    return names.sort();
  }
}

/** A file's bytes; `undefined` when missing or empty (a first swap aborted leaves the empty file it created). */
async function read(dir: FileSystemDirectoryHandle, name: string): Promise<Uint8Array | undefined> {
  try {
    const bytes = new Uint8Array(await (await (await dir.getFileHandle(name)).getFile()).arrayBuffer());
    return bytes.length > 0 ? bytes : undefined;
  } catch (error) {
    if ((error as Error).name === 'NotFoundError') return undefined;
    throw error;
  }
}

/** Writes `bytes` to `name` through a swap file; `check` runs just before the swap (a throw aborts it). */
async function write(dir: FileSystemDirectoryHandle, name: string, bytes: Uint8Array, check: () => void): Promise<void> {
  const handle = await dir.getFileHandle(name, { create: true });
  if (typeof (handle as { createWritable?: unknown }).createWritable !== 'function') throw new UnsupportedError('this browser cannot write OPFS files from a page (no createWritable)');
  const writable = await handle.createWritable();
  try {
    await writable.write(bytes.slice());
    check();
  } catch (error) {
    await writable.abort().catch(() => {});
    throw error;
  }
  await writable.close();
}
