/** crosslock's WebLockManager, used the way the README shows. */
import { WebLockManager } from '../../src/index.js';
import type { BenchAdapter } from './types.js';

let locks: WebLockManager | undefined;

export const crosslockWeb: BenchAdapter = {
  name: 'crosslock WebLockManager',
  async run(name, critical, onRelease) {
    locks ??= new WebLockManager({ prefix: 'bench' });
    const guard = await locks.lock(name, { timeout: Infinity });
    critical();
    onRelease();
    await guard.release();
  },
  async hold(name) {
    locks ??= new WebLockManager({ prefix: 'bench' });
    await locks.lock(name, { timeout: Infinity });
  },
};
