/**
 * The IndexedDB backup target (the default in browsers): the latest backup and an archive of earlier
 * ones, in crosslock's database next to the lock records (namespace `backup:<walletId>` of the fenced
 * store, which no `FencedStore` reaches: their namespaces follow the name rule, which has no `:`), so one
 * transaction can check the writer's fence and swap.
 *
 * What a swap guarantees: ONE readwrite transaction with `durability: 'strict'` (the browser reports it
 * complete only once it is on disk) checks that the writer's guard still holds its lock (the fence:
 * `StaleLockError` otherwise), that the stored latest backup is still the one the swapper read and
 * verified (`BackupRefusedError('conflict')` otherwise), then writes the new backup, moves the previous one
 * into the archive and trims the archive to `keep`. IndexedDB transactions are atomic: after a crash or a
 * power loss the database holds the state before the swap or after it, never a mix. A frozen tab's swap is
 * refused by the fence when it thaws.
 */
import { StaleLockError } from '../core/errors.js';
import { fenceOf } from '../core/grant.js';
import type { LockGuard } from '../core/types.js';
import { staleness } from '../fenced/stale.js';
import { Connection, FENCED_STORE, STORE } from '../stores/indexeddb/connection.js';
import { within } from '../stores/indexeddb/within.js';
import { BackupRefusedError } from './errors.js';
import { sameBytes } from './format.js';

/** Where backups are kept: the latest, and earlier ones (newest first). */
export interface BackupTarget {
  latest(): Promise<Uint8Array | undefined>;
  history(): Promise<Uint8Array[]>;
  /**
   * Writes `next` as the latest backup if `guard` still holds its lock and the latest is still `current`
   * (`undefined`: none), archiving `current` under `currentSequence` and keeping `keep` archived ones.
   */
  swap(guard: LockGuard, next: Uint8Array, current: Uint8Array | undefined, currentSequence: number | undefined, keep: number): Promise<void>;
  close(): void;
}

const ARCHIVE = 'archive.';
const archiveKey = (sequence: number): string => `${ARCHIVE}${String(sequence).padStart(16, '0')}`;

export class IndexedDbBackupTarget implements BackupTarget {
  readonly #db: Connection;
  readonly #namespace: string;

  constructor(walletId: string, database = 'crosslock', openTimeoutMs = 5000) {
    this.#db = new Connection(database, openTimeoutMs);
    this.#namespace = `backup:${walletId}`;
  }

  get database(): string {
    return this.#db.database;
  }

  async latest(): Promise<Uint8Array | undefined> {
    return within(this.#db, [FENCED_STORE], 'readonly', async (tx) => (await tx.objectStore(FENCED_STORE).get([this.#namespace, 'latest'])) as Uint8Array | undefined);
  }

  async history(): Promise<Uint8Array[]> {
    return within(this.#db, [FENCED_STORE], 'readonly', async (tx) => ((await tx.objectStore(FENCED_STORE).getAll(this.#archive())) as Uint8Array[]).reverse());
  }

  async swap(guard: LockGuard, next: Uint8Array, current: Uint8Array | undefined, currentSequence: number | undefined, keep: number): Promise<void> {
    const fenced = fenceOf(guard);
    if (!fenced || guard.mode !== 'exclusive') throw new TypeError('a backup swap needs an exclusive, checked guard from a WebLockManager or IndexedDbLockManager');
    const { fence, generation } = fenced;
    if (fence.database !== this.#db.database) throw new TypeError(`the guard's lock lives in database "${fence.database}", the backups in "${this.#db.database}"`);
    await within(
      this.#db,
      [STORE, FENCED_STORE],
      'readwrite',
      async (tx) => {
        const stale = staleness(await tx.objectStore(STORE).get(fence.name), Date.now(), generation, fence.token);
        if (stale) throw new StaleLockError(fence.name, generation, stale.current, stale.reason);
        const store = tx.objectStore(FENCED_STORE);
        const stored = (await store.get([this.#namespace, 'latest'])) as Uint8Array | undefined;
        if (!sameBytes(stored, current)) throw new BackupRefusedError('conflict', 'the stored backup changed since it was read: another writer');
        if (stored && currentSequence !== undefined) await store.put!(stored, [this.#namespace, archiveKey(currentSequence)]);
        await store.put!(next, [this.#namespace, 'latest']);
        const archived = await store.getAllKeys(this.#archive());
        for (const key of archived.slice(0, Math.max(0, archived.length - keep))) await store.delete!(key);
      },
      'strict',
    );
  }

  close(): void {
    this.#db.close();
  }

  #archive(): IDBKeyRange {
    return IDBKeyRange.bound([this.#namespace, ARCHIVE], [this.#namespace, `${ARCHIVE}\uffff`]);
  }
}

