/**
 * `IndexedDbLeaseStore`: the lease store (see lease/store.ts) in IndexedDB.
 *
 * Atomicity: every `update` is ONE readwrite transaction (get → rule → put, awaiting nothing but the
 * transaction's own requests), created synchronously when a connection is open, so callers control
 * its order (IndexedDB runs overlapping readwrite transactions in creation order) and two tabs can
 * never interleave a read and a write of one record. A rule that throws aborts the transaction:
 * nothing it decided is written.
 *
 * Durability is relaxed (no flush to disk per commit): a lease means nothing after the machine stops
 * (every holder stopped too), and a flush costs most of a transaction's time.
 */
import type { IDBPDatabase, IDBPTransaction } from 'idb';
import type { LeaseRecord } from '../../lease/record.js';
import type { LeaseStore, Rule, RuleResult } from '../../lease/store.js';
import { ACTIVE_INDEX, Connection, META_STORE, STORE, storageError } from './connection.js';

type Tx = IDBPTransaction<unknown, string[], 'readwrite'>;

/** What is stored: the record, marked `active` (and so indexed) while it has holders or waiters. */
function stored(record: LeaseRecord): LeaseRecord & { active?: 1 } {
  return record.holders.length > 0 || record.queue.length > 0 ? { ...record, active: 1 } : record;
}

export class IndexedDbLeaseStore implements LeaseStore {
  readonly connection: Connection;
  /** Readwrite transactions over the same store run in creation order. */
  readonly ordered = true;
  /** Every tab reads one machine's clock. */
  readonly ownTime = false;
  /** The manager posts its messages on a BroadcastChannel. */
  readonly announces = false;

  constructor(
    readonly database: string,
    openTimeout: number,
  ) {
    this.connection = new Connection(database, openTimeout);
  }

  update<R extends RuleResult>(items: ReadonlyArray<readonly [string, Rule<R>]>): Promise<R[]> {
    const db = this.connection.current;
    return db ? this.#transact(db, items, true) : this.connection.open().then((open) => this.#transact(open, items, true));
  }

  async active(): Promise<Array<[string, unknown]>> {
    const db = await this.connection.open();
    try {
      const index = this.connection.track(db.transaction(STORE, 'readonly')).store.index(ACTIVE_INDEX);
      const [keys, values] = await Promise.all([index.getAllKeys(), index.getAll()]);
      return keys.map((key, i): [string, unknown] => [String(key), values[i]]);
    } catch (error) {
      throw storageError(error, 'read the active lease records');
    }
  }

  async sweep(idle: (stored: unknown, name: string) => number | undefined, from: string | undefined, limit: number): Promise<{ next: string | undefined; removed: number }> {
    const db = await this.connection.open();
    try {
      const tx = this.connection.track(db.transaction([STORE, META_STORE], 'readwrite', { durability: 'relaxed' }));
      let cursor = await tx.objectStore(STORE).openCursor(from === undefined ? undefined : IDBKeyRange.lowerBound(from, true));
      let visited = 0;
      let removed = 0;
      let floor = -1;
      let last: string | undefined;
      for (; cursor && visited < limit; visited++) {
        last = String(cursor.key);
        const generation = idle(cursor.value, last);
        if (generation !== undefined) {
          void cursor.delete();
          removed++;
          floor = Math.max(floor, generation);
        }
        cursor = await cursor.continue();
      }
      if (floor >= 0) {
        const meta = tx.objectStore(META_STORE);
        if (floor > (((await meta.get('floor')) as number | undefined) ?? 0)) void meta.put(floor, 'floor');
      }
      await tx.done;
      return { next: cursor ? last : undefined, removed };
    } catch (error) {
      throw storageError(error, 'sweep idle lease records');
    }
  }

  onLost(listener: (why: string) => void): () => void {
    return this.connection.onLost(listener);
  }

  close(): void {
    this.connection.close();
  }

  async #transact<R extends RuleResult>(db: IDBPDatabase, items: ReadonlyArray<readonly [string, Rule<R>]>, retry: boolean): Promise<R[]> {
    let tx: Tx;
    try {
      tx = this.connection.track(db.transaction([STORE, META_STORE], 'readwrite', { durability: 'relaxed' })) as Tx;
    } catch (error) {
      // The connection is closing (versionchange, or the browser closed it): reopen once.
      if (retry && (error as Error).name === 'InvalidStateError') {
        this.connection.forget(db);
        return this.#transact(await this.connection.open(), items, false);
      }
      throw storageError(error, 'start a transaction');
    }
    const store = tx.objectStore(STORE);
    const results: R[] = [];
    let ruleError: { error: unknown } | undefined;
    try {
      let floor: number | undefined;
      for (const [name, rule] of items) {
        const value: unknown = await store.get(name);
        if (value === undefined) floor ??= (((await tx.objectStore(META_STORE).get('floor')) as number | undefined) ?? 0);
        let result: R;
        try {
          result = rule(value, floor ?? 0);
        } catch (error) {
          ruleError = { error };
          throw error;
        }
        if (result.write) store.put!(stored(result.write), name).catch(() => {}); // failure surfaces in tx.done
        results.push(result);
      }
    } catch (error) {
      abort(tx);
      // The rule's own error (a newer record version) passes as it is; anything else is the storage's.
      throw ruleError ? ruleError.error : storageError(error, `update the lease of "${items[0]?.[0]}"`);
    }
    try {
      await tx.done;
    } catch (error) {
      throw storageError(error, `update the lease of "${items[0]?.[0]}"`);
    }
    return results;
  }
}

function abort(tx: Tx): void {
  tx.done.catch(() => {});
  try {
    tx.abort();
  } catch {
    // Already finished or aborted.
  }
}
