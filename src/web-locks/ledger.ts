/**
 * The generation ledger of checked Web Locks grants, loaded on the first checked grant (a separate
 * chunk: an app that only takes `unchecked` locks never loads IndexedDB code).
 *
 * Inside the lock, before the guard is handed out, one readwrite transaction records the grant in the
 * lock's record (`recordGrant`: the generation goes up when the owner changed) and returns the
 * generation. The record is the lease backend's, in the same database, so `FencedStore` checks both
 * backends' guards alike.
 */
import { recordGrant } from '../idb/record.js';
import { LeaseStore } from '../idb/store.js';

/** How long opening the ledger's database may stay blocked before a checked lock fails (as for leases). */
const OPEN_TIMEOUT_MS = 5000;

export interface Ledger {
  /** Records a grant of `name` to `owner`; resolves to the lock's generation. Rejects with `StorageError`. */
  grant(name: string, owner: string): Promise<number>;
  close(): void;
}

export function openLedger(database: string): Ledger {
  const store = new LeaseStore(database, OPEN_TIMEOUT_MS);
  return {
    grant: async (name, owner) => {
      const [result] = await store.update([[name, (stored, now) => recordGrant(stored, now, owner)]]);
      return result!.record.generation;
    },
    close: () => store.close(),
  };
}
