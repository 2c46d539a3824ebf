/**
 * The generation ledger of checked Web Locks grants, loaded before the first checked request (a
 * separate chunk: an app that only takes `unchecked` locks never loads IndexedDB code).
 *
 * Ordering (why it is loaded and opened BEFORE the lock is requested): inside the lock, before the
 * guard is handed out, one readwrite transaction records the grant (`recordGrant`). That transaction
 * is created synchronously in the browser's grant callback, because the connection is already open;
 * so a holder's ledger write is ordered before any later holder's (IndexedDB runs overlapping
 * transactions in creation order), and no download or database open runs while the cross-tab lock is
 * held (a stalled chunk would otherwise block every tab). A grant stolen while its write was in flight
 * is never handed out (the core checks at hand-out). The residual race, a victim whose callback runs
 * after its thief's (the browser grants, then the steal lands, before the victim's task runs), can make
 * the thief's fenced writes fail with `StaleLockError`: refused, never wrongly accepted.
 */
import { StorageError } from '../core/errors.js';
import type { LockMode } from '../core/types.js';
import { IndexedDbLeaseStore } from '../stores/indexeddb/store.js';
import { recordGrant } from './grant-rule.js';

export interface Ledger {
  /** Opens the database now, so that `grant` creates its transaction synchronously. */
  ready(): Promise<void>;
  /** Records a grant of `name` to `owner`; resolves to the lock's generation. Rejects with `StorageError`. */
  grant(name: string, owner: string, mode: LockMode, steal: boolean): Promise<number>;
  close(): void;
}

export function openLedger(database: string, openTimeout: number): Ledger {
  const store = new IndexedDbLeaseStore(database, openTimeout);
  return {
    ready: async () => {
      await store.connection.open();
    },
    grant: async (name, owner, mode, steal) => {
      const [result] = await store.update([[name, (stored, floor) => recordGrant(stored, { now: Date.now(), owner, mode, steal, floor })]]);
      if (!result) throw new StorageError('failed', `the ledger recorded nothing for "${name}"`);
      return result.record.generation;
    },
    close: () => store.close(),
  };
}
