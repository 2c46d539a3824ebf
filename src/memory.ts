/** `crosslock/memory`: locks within one JavaScript realm (one tab, one worker, one Node process). */
export { MemoryLockManager, type MemoryLockManagerOptions } from './memory/manager.js';
export { MemoryLockSpace } from './memory/space.js';
