/** `crosslock/fenced`: an IndexedDB key-value store whose writes are fenced by the lock's generation. */
export { FencedStore, type FencedStoreOptions } from './fenced/store.js';
