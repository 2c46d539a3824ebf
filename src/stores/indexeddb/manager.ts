/**
 * `IndexedDbLockManager`: the lease protocol (lease/manager.ts) over IndexedDB, for where Web Locks are
 * missing (insecure contexts such as http:// on a LAN, Safari < 15.4, Firefox < 96, some web views).
 * Scope `'origin'`: every tab and worker of the origin sharing the database. Runs in a window, a
 * dedicated Worker and a SharedWorker (no page lifecycle there; ticks from the worker's own timers,
 * which are not throttled like a hidden page's).
 *
 * Wiring only: the store is `IndexedDbLeaseStore` (one readwrite transaction per update), the bus a
 * BroadcastChannel, the heartbeat a tiny inline worker (page timers as the fallback), the lifecycle
 * the page's pagehide/pageshow/resume events.
 */
import { UnsupportedError } from '../../core/errors.js';
import { checkObject, databaseOption, DEFAULT_OPEN_TIMEOUT_MS, msOption } from '../../core/options.js';
import { systemClock } from '../../lease/clock.js';
import { LeaseLockManager } from '../../lease/manager.js';
import { leaseSettings, type LeaseOptions } from '../../lease/settings.js';
import { broadcastBus } from './bus.js';
import { pageLifecycle } from './lifecycle.js';
import { IndexedDbLeaseStore } from './store.js';
import { Ticker } from './ticker.js';

export interface IndexedDbLockManagerOptions extends LeaseOptions {
  /** Namespace for every name (full names `<prefix>+<name>`, core/names.ts). Default: none. */
  prefix?: string;
  /**
   * The IndexedDB database holding the lease records. Managers sharing it exclude each other.
   * Default `'crosslock'`. @example { database: 'wallet-locks' }
   */
  database?: string;
  /**
   * How long opening the database may stay blocked by another tab's old connection, ms. Default 5000:
   * past that, calls fail with `StorageError('blocked')` instead of hanging. `Infinity`: no limit.
   */
  openTimeoutMs?: number;
}

const KEYS = ['prefix', 'database', 'leaseMs', 'renewMs', 'retryMs', 'openTimeoutMs'];

export class IndexedDbLockManager extends LeaseLockManager {
  readonly backend = 'indexeddb';
  readonly scope = 'origin';

  /** Throws `UnsupportedError` where IndexedDB is missing; checks every option (see the options' docs). */
  constructor(options: IndexedDbLockManagerOptions = {}) {
    const o = checkObject(options, KEYS, 'new IndexedDbLockManager()');
    const settings = leaseSettings(o);
    const database = databaseOption(o.database);
    const openTimeout = msOption('openTimeoutMs', o.openTimeoutMs, DEFAULT_OPEN_TIMEOUT_MS, undefined, true);
    if (typeof globalThis.indexedDB === 'undefined') throw new UnsupportedError('IndexedDbLockManager needs IndexedDB, and this environment has none');
    super(o.prefix, settings, {
      store: new IndexedDbLeaseStore(database, openTimeout),
      bus: broadcastBus(database),
      heartbeat: new Ticker(settings.renewMs),
      clock: systemClock,
      lifecycle: pageLifecycle(),
    });
  }
}
