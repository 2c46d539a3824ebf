/**
 * The IndexedDB side of the lease backend: one object store of lease records keyed by full lock name.
 * Every change runs a pure rule (`decide()` for leases, `recordGrant()` for the Web Locks ledger) inside
 * ONE readwrite transaction (get → rule → put) with no other await in between, so IndexedDB's
 * transaction ordering makes the read-decide-write atomic across tabs.
 *
 * Robustness:
 * - another tab upgrading the database (`versionchange`): we close our connection at once so we never
 *   block it, and reopen on the next operation; a database already at a newer version is opened at
 *   whatever version it has, as long as our store is there;
 * - an open that stays `blocked` (some other connection refuses to close) fails after `openTimeout`
 *   with `StorageError('blocked')` instead of hanging;
 * - quota and other failures become `StorageError` with the browser's error as `cause`.
 *
 * Transactions are created synchronously when a connection is open, so callers control their order
 * (IndexedDB runs overlapping readwrite transactions in creation order).
 */
import { openDB, type IDBPDatabase } from 'idb';
import { StorageError, UnsupportedError } from '../core/errors.js';
import type { LeaseRecord } from './record.js';

export const STORE = 'leases';
/** The store of `FencedStore` values, keyed `[namespace, key]`. */
export const FENCED_STORE = 'fenced';
/** Version 1: `leases`. Version 2 adds `fenced`. A later version adds stores; this code keeps working beside it. */
const SCHEMA_VERSION = 2;

/** A pure rule: the stored value and the time in, what to answer and what to write (`null`: nothing) out. */
export type Rule<R> = (stored: unknown, now: number) => R;

export class LeaseStore {
  #conn: IDBPDatabase | undefined;
  #opening: Promise<IDBPDatabase> | undefined;

  constructor(
    readonly database: string,
    private readonly openTimeout: number,
  ) {}

  /**
   * Applies a pure rule to each named record, all in ONE readwrite transaction (get → rule → put,
   * awaiting nothing else), created now when connected; results in the same order.
   */
  update<R extends { write: LeaseRecord | null }>(items: ReadonlyArray<readonly [string, Rule<R>]>): Promise<R[]> {
    const conn = this.#conn;
    return conn ? this.#transact(conn, items, true) : this.open().then((db) => this.#transact(db, items, true));
  }

  close(): void {
    this.#conn?.close();
    this.#conn = undefined;
  }

  async #transact<R extends { write: LeaseRecord | null }>(db: IDBPDatabase, items: ReadonlyArray<readonly [string, Rule<R>]>, retry: boolean): Promise<R[]> {
    let tx;
    try {
      // Relaxed: no flush to disk per commit. A lease means nothing after the machine stops (every holder
      // stopped too), so durability buys nothing here and costs most of a transaction's time.
      tx = db.transaction(STORE, 'readwrite', { durability: 'relaxed' });
    } catch (error) {
      // The connection is closing (versionchange, or the browser closed it): reopen once.
      if (retry && (error as Error).name === 'InvalidStateError') {
        this.#forget(db);
        return this.#transact(await this.open(), items, false);
      }
      throw storageError(error, 'start a transaction');
    }
    try {
      const results: R[] = [];
      for (const [name, rule] of items) {
        const stored: unknown = await tx.store.get(name);
        const result = rule(stored, Date.now());
        if (result.write) tx.store.put(result.write, name).catch(() => {}); // failure surfaces in tx.done
        results.push(result);
      }
      await tx.done;
      return results;
    } catch (error) {
      throw storageError(error, `update the lease of "${items[0]?.[0]}"`);
    }
  }

  /** The connection, opened (and the schema created) on first use. */
  open(): Promise<IDBPDatabase> {
    if (this.#conn) return Promise.resolve(this.#conn);
    this.#opening ??= this.#connect().then(
      (db) => {
        this.#opening = undefined;
        this.#conn = db;
        return db;
      },
      (error: unknown) => {
        this.#opening = undefined;
        throw error;
      },
    );
    return this.#opening;
  }

  #forget(db: IDBPDatabase): void {
    if (this.#conn === db) this.#conn = undefined;
    db.close();
  }

  async #connect(): Promise<IDBPDatabase> {
    if (typeof globalThis.indexedDB === 'undefined') throw new UnsupportedError('IndexedDB is not available here');
    let db: IDBPDatabase;
    const callbacks = {
      // Another tab wants a newer version: let it, and reopen on our next operation.
      blocking: () => this.#forget(db),
      terminated: () => {
        if (this.#conn === db) this.#conn = undefined;
      },
    };
    try {
      db = await this.#timed(
        openDB(this.database, SCHEMA_VERSION, {
          ...callbacks,
          upgrade: (upgrading) => {
            for (const name of [STORE, FENCED_STORE]) {
              if (!upgrading.objectStoreNames.contains(name)) upgrading.createObjectStore(name);
            }
          },
        }),
      );
    } catch (error) {
      if ((error as Error).name !== 'VersionError') throw storageError(error, `open database "${this.database}"`);
      db = await this.#timed(openDB(this.database, undefined, callbacks)).catch((e: unknown) => {
        throw storageError(e, `open database "${this.database}"`);
      });
    }
    if (!db.objectStoreNames.contains(STORE)) {
      db.close();
      throw new StorageError('unavailable', `database "${this.database}" exists without a "${STORE}" store: it is not crosslock's`);
    }
    return db;
  }

  /** Gives up on an open that stays blocked; a connection that opens later is closed at once. */
  #timed(opening: Promise<IDBPDatabase>): Promise<IDBPDatabase> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        opening.then((db) => db.close(), () => {});
        reject(new StorageError('blocked', `opening database "${this.database}" stayed blocked for ${this.openTimeout} ms by another connection`));
      }, this.openTimeout);
    });
    return Promise.race([opening, late]).finally(() => clearTimeout(timer));
  }
}

export function storageError(error: unknown, doing: string): Error {
  if (error instanceof StorageError || error instanceof UnsupportedError) return error;
  const name = (error as Error | undefined)?.name;
  if (name === 'QuotaExceededError') return new StorageError('quota', `out of storage quota while trying to ${doing}`, { cause: error });
  const kind = name === 'InvalidStateError' || name === 'UnknownError' ? 'unavailable' : 'failed';
  return new StorageError(kind, `IndexedDB failed to ${doing}: ${name ?? 'unknown error'}`, { cause: error });
}
