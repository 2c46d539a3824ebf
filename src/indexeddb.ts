/** `crosslock/indexeddb`: lease records in IndexedDB, for where Web Locks are missing. */
export { IndexedDbLockManager, type IndexedDbLockManagerOptions } from './stores/indexeddb/manager.js';
export type { LeaseOptions } from './lease/settings.js';
export type { LeaseLockOptions } from './lease/manager.js';
