/** crosslock's IndexedDB lease backend (what platformDefault() picks where Web Locks are missing). */
import { IndexedDbLockManager } from '../../src/indexeddb.js';
import type { BenchAdapter } from './types.js';

let locks: IndexedDbLockManager | undefined;

export const crosslockIdb: BenchAdapter = {
  name: 'crosslock IndexedDB leases',
  async run(name, critical, onRelease) {
    locks ??= new IndexedDbLockManager({ prefix: 'bench', database: 'crosslock-bench' });
    const guard = await locks.lock(name, { timeout: Infinity });
    await critical();
    onRelease();
    await guard.release();
  },
  async hold(name) {
    locks ??= new IndexedDbLockManager({ prefix: 'bench', database: 'crosslock-bench' });
    await locks.lock(name, { timeout: Infinity });
  },
};
