/// <reference types="node" />
/**
 * The file backup target, for Node (the multi-process side): `<dir>/<walletId>.backup` and an archive
 * `<dir>/<walletId>~<sequence>.backup`.
 *
 * What a swap guarantees (the pattern of lnd's `chanbackup` swapper, plus the directory fsync it lacks):
 *   1. the new backup goes to a temporary file in the same directory, which is fsynced and closed;
 *   2. the current backup is copied into the archive the same way (temporary file, fsync, rename);
 *   3. the temporary file is renamed over `<walletId>.backup` (POSIX rename replaces atomically);
 *   4. the directory is fsynced, so the rename itself survives a power loss.
 * After a crash (SIGKILL) at any moment the backup file is the old one or the new one, whole, never torn,
 * never missing once one was written. A swap killed midway leaves its temporary file
 * (`.<walletId>.<random>.tmp`): never read, safe to delete.
 * After a power loss, the same once the directory fsync returned (a filesystem that honours fsync).
 *
 * Fencing: the guard must not be lost or released at the moment of the swap (checked just before step 3),
 * and the current file must still be the one the swapper verified. A file cannot be written in one
 * transaction with a lock record, so across processes the swap is only as fenced as that check: a
 * process that stalls between the check and the rename could still write late. Use a lock backend whose
 * guard signal aborts promptly (Redis, issue 15) and keep the window small; within one process it is exact.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { StaleLockError } from '../core/errors.js';
import type { LockGuard } from '../core/types.js';
import { BackupRefusedError } from './errors.js';
import { sameBytes } from './format.js';
import type { BackupTarget } from './indexeddb.js';

export class FileBackupTarget implements BackupTarget {
  readonly #latest: string;

  constructor(
    readonly dir: string,
    readonly walletId: string,
  ) {
    if (!/^[\w.-]+$/.test(walletId)) throw new TypeError(`a file backup's walletId must be a file name (letters, digits, ., -, _), got ${JSON.stringify(walletId)}`);
    this.#latest = join(dir, `${walletId}.backup`);
  }

  async latest(): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(this.#latest));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async history(): Promise<Uint8Array[]> {
    const names = await this.#archived();
    return Promise.all(names.reverse().map(async (name) => new Uint8Array(await readFile(join(this.dir, name)))));
  }

  async swap(guard: LockGuard, next: Uint8Array, current: Uint8Array | undefined, currentSequence: number | undefined, keep: number): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const temp = await this.#durable(next);
    try {
      const stored = await this.latest();
      if (!sameBytes(stored, current)) throw new BackupRefusedError('conflict', 'the backup file changed since it was read: another writer');
      if (guard.released || guard.signal.aborted) throw new StaleLockError(guard.name, guard.generation ?? -1, undefined, 'the lock was lost or released before the swap');
      if (stored && currentSequence !== undefined) await rename(await this.#durable(stored), join(this.dir, `${this.walletId}~${String(currentSequence).padStart(16, '0')}.backup`));
      if (guard.released || guard.signal.aborted) throw new StaleLockError(guard.name, guard.generation ?? -1, undefined, 'the lock was lost or released before the swap');
      await rename(temp, this.#latest);
    } catch (error) {
      await unlink(temp).catch(() => {});
      throw error;
    }
    await this.#syncDir();
    const archived = await this.#archived();
    for (const name of archived.slice(0, Math.max(0, archived.length - keep))) await unlink(join(this.dir, name)).catch(() => {});
  }

  close(): void {}

  /** Writes `bytes` to a new temporary file in the directory, fsynced and closed; its path. */
  async #durable(bytes: Uint8Array): Promise<string> {
    const path = join(this.dir, `.${this.walletId}.${randomBytes(6).toString('hex')}.tmp`);
    const file = await open(path, 'wx');
    try {
      await file.writeFile(bytes);
      await file.sync();
    } finally {
      await file.close();
    }
    return path;
  }

  async #syncDir(): Promise<void> {
    const dir = await open(this.dir, 'r');
    try {
      await dir.sync();
    } catch (error) {
      // Some platforms (Windows) cannot fsync a directory; the rename is then as durable as the OS makes it.
      if (!['EISDIR', 'EPERM', 'EINVAL'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
    } finally {
      await dir.close();
    }
  }

  async #archived(): Promise<string[]> {
    const prefix = `${this.walletId}~`; // '~' is not allowed in a wallet id: no other wallet's file matches
    return (await readdir(this.dir).catch(() => [] as string[])).filter((n) => n.startsWith(prefix) && /^\d{16}\.backup$/.test(n.slice(prefix.length))).sort();
  }
}

