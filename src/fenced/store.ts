/**
 * `FencedStore`: a small key-value store in IndexedDB whose writes take the lock guard they are made
 * under. In ONE transaction with the lock's record, a `put` or `delete` checks that the guard still
 * holds the lock (its generation is still the stored one; for a lease, its lease is still live) and only
 * then writes; otherwise it rejects with `StaleLockError` and writes nothing. So a tab that was paused,
 * frozen or robbed of its lock, and wakes up believing it still holds it, cannot overwrite newer data:
 * the generation is the fencing token (Kleppmann, "How to do distributed locking").
 *
 * Reads need no guard. Values are anything IndexedDB can store (the structured clone algorithm:
 * objects, arrays, Maps, Sets, Dates, typed arrays, Blobs; not functions, DOM nodes or class instances'
 * prototypes); a value that cannot be cloned is refused with `InvalidOptionError` before anything is
 * written. Keys are strings. Each value should stay small (a wallet's state, not a media library): the
 * whole value is rewritten on every put.
 *
 * Guards must be exclusive and checked (not `unchecked`), and come from a `WebLockManager` or
 * `IndexedDbLockManager` using the same `database`: their generations live there. Shared guards are
 * refused (`InvalidOptionError`): several readers hold a shared lock at once, so a write under one
 * would not be exclusive, and shared grants do not move the generation.
 */
import { InvalidOptionError, StaleLockError, describe } from '../core/errors.js';
import { checkObject, databaseOption, DEFAULT_OPEN_TIMEOUT_MS, msOption, namespaceOption } from '../core/options.js';
import type { LockGuard } from '../core/types.js';
import { Connection, FENCED_STORE, STORE } from '../stores/indexeddb/connection.js';
import { within } from '../stores/indexeddb/within.js';
import { fencedGuard } from './guard.js';
import { staleness } from './stale.js';

export interface FencedStoreOptions {
  /**
   * Keeps this store's keys apart from other stores in the same database, e.g. `'wallet'`. Required; a
   * name of the lock name rule (1 to 200 of `A-Z a-z 0-9 . _ -`, starting and ending with a letter or digit).
   */
  namespace: string;
  /** The database of the lock manager whose guards fence the writes. Default `'crosslock'`. */
  database?: string;
  /** How long opening the database may stay blocked, ms. Default 5000; `Infinity`: no limit. */
  openTimeoutMs?: number;
}

export class FencedStore<T = unknown> {
  readonly namespace: string;
  readonly database: string;
  readonly #db: Connection;

  constructor(options: FencedStoreOptions) {
    const o = checkObject(options, ['namespace', 'database', 'openTimeoutMs'], 'new FencedStore()');
    this.namespace = namespaceOption(o.namespace);
    this.database = databaseOption(o.database);
    this.#db = new Connection(this.database, msOption('openTimeoutMs', o.openTimeoutMs, DEFAULT_OPEN_TIMEOUT_MS, undefined, true));
  }

  async get(key: string): Promise<T | undefined> {
    const id = this.#key(key);
    return within(this.#db, [FENCED_STORE], 'readonly', (tx) => tx.objectStore(FENCED_STORE).get(id) as Promise<T | undefined>);
  }

  /** Every key and value of this store's namespace, by key. */
  async entries(): Promise<Array<[string, T]>> {
    const range = IDBKeyRange.bound([this.namespace], [this.namespace, []]);
    return within(this.#db, [FENCED_STORE], 'readonly', async (tx) => {
      const store = tx.objectStore(FENCED_STORE);
      const [keys, values] = await Promise.all([store.getAllKeys(range), store.getAll(range)]);
      return keys.map((k, i): [string, T] => [(k as [string, string])[1], values[i] as T]);
    });
  }

  /** Writes `value` under `key` if `guard` still holds its lock; else `StaleLockError`, nothing written. */
  put(guard: LockGuard, key: string, value: T): Promise<void> {
    return this.putAll(guard, [[key, value]]);
  }

  /**
   * Writes every `[key, value]` in one transaction if `guard` still holds its lock: all of them or, with
   * `StaleLockError` (or a value that cannot be stored: `InvalidOptionError`), none. For state and its
   * index that must never be seen, or left by a crash, half written.
   */
  putAll(guard: LockGuard, entries: ReadonlyArray<readonly [string, T]>): Promise<void> {
    try {
      if (!Array.isArray(entries)) throw new TypeError(`entries must be an array of [key, value], got ${describe(entries)}`);
      structuredClone(entries);
    } catch (error) {
      return Promise.reject(new InvalidOptionError('value', `cannot be stored in IndexedDB (${(error as Error).message})`));
    }
    return this.#write(guard, entries.map(([key, value]) => [key, { value }]));
  }

  /** Deletes `key` if `guard` still holds its lock; else `StaleLockError`, nothing deleted. */
  delete(guard: LockGuard, key: string): Promise<void> {
    return this.#write(guard, [[key, undefined]]);
  }

  close(): void {
    this.#db.close();
  }

  #key(key: unknown): [string, string] {
    if (typeof key !== 'string') throw new InvalidOptionError('key', `must be a string, got ${describe(key)}`);
    return [this.namespace, key];
  }

  async #write(guard: LockGuard, changes: Array<[string, { value: T } | undefined]>): Promise<void> {
    const ids = changes.map(([key]) => this.#key(key));
    const { fence, generation } = fencedGuard(guard, this.database, 'a WebLockManager or IndexedDbLockManager');
    await within(this.#db, [STORE, FENCED_STORE], 'readwrite', async (tx) => {
      const stale = staleness(await tx.objectStore(STORE).get(fence.name), Date.now(), generation, fence.token);
      if (stale) throw new StaleLockError(fence.name, generation, stale.current, stale.reason);
      const store = tx.objectStore(FENCED_STORE);
      // A readwrite transaction has both put and delete.
      await Promise.all(changes.map(([, change], i) => (change ? store.put!(change.value, ids[i]!) : store.delete!(ids[i]!))));
    });
  }
}
