/**
 * One transaction over several stores of a lease database, for what is not a lease update:
 * `FencedStore` writes checked against the lock record in the same transaction, and reads.
 */
import type { IDBPTransaction } from 'idb';
import { StorageError } from '../../core/errors.js';
import { storageError, type Connection } from './connection.js';

export type Transaction = IDBPTransaction<unknown, string[], IDBTransactionMode>;

/**
 * Runs `fn` in one transaction over `stores` (default durability unless `durability` says otherwise:
 * backups ask for `'strict'`, written to disk before the transaction completes).
 * Errors `fn` throws on purpose pass through (and abort the transaction); IndexedDB failures become
 * `StorageError`.
 */
export async function within<R>(store: Connection, stores: string[], mode: IDBTransactionMode, fn: (tx: Transaction) => Promise<R>, durability?: IDBTransactionDurability): Promise<R> {
  const db = await store.open();
  for (const name of stores) {
    if (!db.objectStoreNames.contains(name)) throw new StorageError('unavailable', `database "${store.database}" has no "${name}" store`);
  }
  let tx: Transaction;
  try {
    tx = store.track(durability ? db.transaction(stores, mode, { durability }) : db.transaction(stores, mode));
  } catch (error) {
    throw storageError(error, 'start a transaction');
  }
  let result: R;
  try {
    result = await fn(tx);
  } catch (error) {
    try {
      tx.abort();
    } catch {
      // Already finished or aborted.
    }
    tx.done.catch(() => {});
    // The transaction was aborted under `fn` (the page entered the back/forward cache, connection.ts):
    // a storage failure, not the caller's own abort.
    throw (error as Error | undefined)?.name === 'AbortError' ? storageError(error, `use "${stores.join('", "')}"`) : error;
  }
  try {
    await tx.done;
  } catch (error) {
    throw storageError(error, `write to "${stores.join('", "')}"`);
  }
  return result;
}
