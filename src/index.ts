/**
 * `crosslock`: the contract, its errors, `WebLockManager` and `platformDefault()`. The other backends
 * and `FencedStore` are entry points of their own (`crosslock/memory`, `crosslock/indexeddb`,
 * `crosslock/fenced`), so an app pays only for what it imports; `platformDefault()` loads the backend
 * it picks.
 */
export type {
  BackendName,
  LockGuard,
  LockInfo,
  LockManager,
  LockMode,
  LockOptions,
  LockScope,
  LockSnapshot,
  LockWarningEvent,
  TryLockOptions,
} from './core/types.js';
export {
  InvalidLockNameError,
  InvalidOptionError,
  LockLostError,
  LockTimeoutError,
  LockWarning,
  ManagerClosedError,
  OptionRangeError,
  StaleLockError,
  StorageError,
  UnsupportedError,
  type LockLostKind,
  type LockWarningKind,
  type StorageErrorKind,
} from './core/errors.js';
export { MAX_NAME_BYTES } from './core/names.js';
export { WebLockManager, type WebLockManagerOptions, type WebLockOptions } from './web-locks/manager.js';
export { platformDefault, type PlatformBackendName, type PlatformDefaultOptions, type PlatformSelection } from './platform.js';
