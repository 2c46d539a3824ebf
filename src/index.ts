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
  UnsupportedError,
  type LockLostKind,
} from './core/errors.js';
export { MAX_NAME_BYTES } from './core/names.js';
export { MemoryLockManager, type MemoryLockManagerOptions } from './memory/manager.js';
export { MemoryLockSpace } from './memory/space.js';
export { WebLockManager, type WebLockManagerOptions, type WebLockOptions } from './web-locks/manager.js';
