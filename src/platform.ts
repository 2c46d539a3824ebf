/**
 * `platformDefault()`: the one place that chooses a backend.
 *
 * In a browser: Web Locks where `navigator.locks` exists; else IndexedDB leases; else the memory
 * manager, which excludes nothing outside this tab. That last step is never silent: the selection says
 * `realmOnly: true` and why, and `requireOrigin: true` turns it into an `UnsupportedError` instead (what a
 * wallet wants). Outside a browser (Node, SSR) it picks the memory manager: one process is the realm.
 * An explicit `backend` is honoured or fails; it is never swapped for another.
 *
 * Asynchronous because it loads the backend it picks (`crosslock/memory`, `crosslock/indexeddb` are
 * separate chunks): a browser with Web Locks never downloads the lease backend or `idb`.
 */
import { InvalidOptionError, UnsupportedError } from './core/errors.js';
import { checkObject, databaseOption, must } from './core/options.js';
import type { BackendName, LockManager, LockScope } from './core/types.js';
import type { IndexedDbLockManagerOptions } from './stores/indexeddb/manager.js';
import { WebLockManager } from './web-locks/manager.js';

/** The backends `platformDefault()` can pick: the browser's (Redis is Node's, made with its client). */
export type PlatformBackendName = Exclude<BackendName, 'redis'>;

export interface PlatformDefaultOptions {
  /** Namespace for every name (full names `<prefix>+<name>`), e.g. a wallet fingerprint. Default: none. */
  prefix?: string;
  /** `'auto'` (default) detects; a backend name forces that backend (or throws `UnsupportedError`). */
  backend?: PlatformBackendName | 'auto';
  /** Throw `UnsupportedError` rather than fall back to a manager that only excludes within this tab. Default false. */
  requireOrigin?: boolean;
  /**
   * The IndexedDB database of the backend's records (the Web Locks generation ledger, or the leases)
   * and so of `FencedStore`: one option for every backend. Default `'crosslock'`.
   */
  database?: string;
  /** Options of the IndexedDB lease backend when it is chosen (its `database` is the one above). */
  indexedDb?: Omit<IndexedDbLockManagerOptions, 'prefix'>;
}

export interface PlatformSelection {
  readonly manager: LockManager;
  readonly backend: BackendName;
  readonly scope: LockScope;
  /** True when the manager does not exclude other tabs or processes. An app with several tabs must check it. */
  readonly realmOnly: boolean;
  /** Why this backend was chosen (and, on a fallback, why the better ones were not). */
  readonly reason: string;
}

const BACKENDS = ['auto', 'web-locks', 'indexeddb', 'memory'];

export async function platformDefault(options: PlatformDefaultOptions = {}): Promise<PlatformSelection> {
  const o = checkObject(options, ['prefix', 'backend', 'requireOrigin', 'database', 'indexedDb'], 'platformDefault()');
  const { backend = 'auto', requireOrigin } = o;
  must('backend', backend, BACKENDS.includes(backend as string), BACKENDS.join(' | '));
  must('requireOrigin', requireOrigin, typeof requireOrigin === 'boolean', 'a boolean');
  const database = databaseOption(o.database);
  const leaseDatabase = (o.indexedDb as { database?: unknown } | undefined)?.database;
  if (leaseDatabase !== undefined && o.database !== undefined && leaseDatabase !== database) {
    throw new InvalidOptionError('indexedDb.database', `differs from "database" ("${database}"): give it once, as "database"`);
  }
  const prefix = o.prefix === undefined ? {} : { prefix: o.prefix as string };
  const select = async (name: BackendName, reason: string): Promise<PlatformSelection> => {
    const manager: LockManager =
      name === 'web-locks'
        ? new WebLockManager({ ...prefix, database })
        : name === 'indexeddb'
          ? new (await import('./indexeddb.js')).IndexedDbLockManager({ database, ...(o.indexedDb as object | undefined), ...prefix })
          : new (await import('./memory.js')).MemoryLockManager(prefix);
    return { manager, backend: name, scope: manager.scope, realmOnly: manager.scope === 'realm', reason };
  };

  if (backend !== 'auto') return select(backend as BackendName, 'asked for');
  if (!('document' in globalThis || 'WorkerGlobalScope' in globalThis)) {
    return select('memory', 'not a browser (Node, SSR): one process is the realm');
  }
  const skipped: string[] = [];
  for (const name of ['web-locks', 'indexeddb'] as const) {
    try {
      return await select(name, skipped.length ? `not ${skipped}` : 'available');
    } catch (error) {
      if ((error as Error).name !== 'UnsupportedError') throw error;
      skipped.push(`${name}: ${(error as Error).message}`);
    }
  }
  if (requireOrigin) throw new UnsupportedError(`no cross-tab lock (${skipped}) and requireOrigin is set`);
  return select('memory', `memory ONLY: locks exclude nothing outside this tab (${skipped})`);
}
