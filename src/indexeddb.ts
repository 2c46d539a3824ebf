/** `crosslock/indexeddb`: lease records in IndexedDB, for where Web Locks are missing. */
export { IndexedDbLockManager } from './idb/manager.js';
export type { IndexedDbLockManagerOptions } from './idb/options.js';
