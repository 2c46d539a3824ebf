/**
 * crosslock's WebLockManager, used the way the README shows (`withLock`, whose function starts inside the
 * browser's grant callback): checked (the default) and unchecked.
 */
import { WebLockManager } from '../../src/index.js';
import type { BenchAdapter } from './types.js';

let locks: WebLockManager | undefined;
const manager = (): WebLockManager => (locks ??= new WebLockManager({ prefix: 'bench', database: 'crosslock-bench' }));

function adapter(name: string, unchecked: boolean): BenchAdapter {
  return {
    name,
    async run(lockName, critical, onRelease) {
      await manager().withLock(lockName, { timeout: Infinity, unchecked }, async () => {
        await critical();
        onRelease();
      });
    },
    async hold(lockName) {
      await manager().lock(lockName, { timeout: Infinity, unchecked });
    },
  };
}

/** Checked: one IndexedDB transaction per grant records the generation (poisoned, fencing). */
export const crosslockWeb = adapter('crosslock WebLockManager (checked)', false);
/** Unchecked: no generation bookkeeping, nothing but the Web Lock. */
export const crosslockWebUnchecked = adapter('crosslock WebLockManager (unchecked)', true);
