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
 *
 * Sweeping (one record per name would otherwise grow without limit): after a checked grant, when a
 * pass is due (lease/sweep.ts), one batch deletes records unused for `SWEEP_IDLE_MS` whose names the
 * browser shows neither held nor requested. Why that is safe without taking the locks (which would
 * make a `tryLock` elsewhere fail for a moment): a lock held when `navigator.locks.query()` answered is
 * skipped; one granted after it writes its record with a fresh `used` in a transaction ordered against
 * the sweep's, so the sweep either sees it used (and keeps it) or deletes it first (and the grant
 * starts a new record above the high-water mark the sweep raised). Either way no live guard's
 * generation is deleted, and no generation repeats.
 *
 * Two looks (lease/sweep.ts `TwoLooks`), because "used recently" is read on THIS tab's wall clock: a
 * sweeper whose clock jumped ahead took a record written by a grant just after its `query()` for idle.
 * A grant after the second `query()` rewrites the record before the sweep's transaction reads it
 * (ordered as above), so that look sees it changed.
 */
import type { LockMode } from '../core/types.js';
import { SWEEP_BATCH, SWEEP_IDLE_MS, SweepPass, sweepable, TwoLooks } from '../lease/sweep.js';
import { IndexedDbLeaseStore } from '../stores/indexeddb/store.js';
import { recordGrant } from './grant-rule.js';
import type { BrowserLocks } from './support.js';

export interface Ledger {
  /** Opens the database now, so that `grant` creates its transaction synchronously. */
  ready(): Promise<void>;
  /** Records a grant of `name` to `owner`; resolves to the lock's generation. Rejects with `StorageError`. */
  grant(name: string, owner: string, mode: LockMode, steal: boolean): Promise<number>;
  /** One batch of sweeping after `from`, now (a pass runs on its own after grants; this is its step). */
  sweepBatch(from: string | undefined): Promise<{ next: string | undefined; removed: number }>;
  close(): void;
}

export function openLedger(database: string, openTimeout: number, locks: BrowserLocks): Ledger {
  const store = new IndexedDbLeaseStore(database, openTimeout);
  const pass = new SweepPass();
  const looks = new TwoLooks();
  const sweepBatch = async (from: string | undefined) => {
    const { held = [], pending = [] } = await locks.query();
    const busy = new Set([...held, ...pending].map((lock) => lock.name));
    const now = Date.now();
    return store.sweep((stored, name) => looks.decide(name, stored, busy.has(name) ? undefined : sweepable(stored, now, SWEEP_IDLE_MS)), from, SWEEP_BATCH);
  };
  return {
    ready: async () => {
      await store.connection.open();
    },
    grant: async (name, owner, mode, steal) => {
      const [result] = await store.update([[name, (stored, floor) => recordGrant(stored, { now: Date.now(), owner, mode, steal, floor })]]);
      pass.step(Date.now(), sweepBatch);
      return result!.record.generation; // one result per item
    },
    sweepBatch,
    close: () => store.close(),
  };
}
