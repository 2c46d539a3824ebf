export type {
  BackendName,
  LockGuard,
  LockInfo,
  LockManager,
  LockMode,
  LockOptions,
  LockScope,
  LockSnapshot,
  TryLockOptions,
} from './core/types.js';
export {
  InvalidLockNameError,
  InvalidOptionError,
  LockLostError,
  LockTimeoutError,
  ManagerClosedError,
  OptionRangeError,
  StaleLockError,
  StorageError,
  UnsupportedError,
  type LockLostKind,
  type StorageErrorKind,
} from './core/errors.js';
export { MAX_NAME_BYTES } from './core/names.js';
export { MemoryLockManager, type MemoryLockManagerOptions } from './memory/manager.js';
export { MemoryLockSpace } from './memory/space.js';
export { WebLockManager, type WebLockManagerOptions, type WebLockOptions } from './web-locks/manager.js';
export { IndexedDbLockManager } from './idb/manager.js';
export type { IndexedDbLockManagerOptions } from './idb/options.js';
export { platformDefault, type PlatformDefaultOptions, type PlatformSelection } from './platform.js';
export { FencedStore, type FencedStoreOptions } from './fenced/store.js';
