/**
 * A bare page for e2e specs. `window.crosslock` is the library; `window.harness` keeps guards between
 * `page.evaluate` calls, runs the IndexedDB exclusion checker and starts workers.
 */
import * as Comlink from 'comlink';
import * as crosslock from '../../src/index.js';
import * as checker from './checker.js';
import type { LockWorkerApi } from './lock-worker.js';

const guards = new Map<string, crosslock.LockGuard>();
let manager: crosslock.WebLockManager | undefined;
const web = (): crosslock.WebLockManager => (manager ??= new crosslock.WebLockManager({ prefix: 'e2e' }));

const harness = {
  checker,
  web,
  /** Takes `name` and keeps the guard; resolves once held. */
  async hold(name: string, options: crosslock.WebLockOptions): Promise<number> {
    guards.set(name, await web().lock(name, options));
    return performance.timeOrigin + performance.now();
  },
  async tryHold(name: string, mode: crosslock.LockMode = 'exclusive'): Promise<boolean> {
    const guard = await web().tryLock(name, { mode });
    if (guard) guards.set(name, guard);
    return guard !== null;
  },
  async release(name: string): Promise<void> {
    await guards.get(name)?.release();
    guards.delete(name);
  },
  /** Resolves with the reason the guard of `name` was lost, when it is. */
  lost(name: string): Promise<{ name: string; kind: string }> {
    const signal = guards.get(name)!.signal;
    return new Promise((resolve) =>
      signal.addEventListener('abort', () => resolve({ name: signal.reason.name, kind: signal.reason.kind }), { once: true }),
    );
  },
  sharedWorker(): Comlink.Remote<LockWorkerApi> {
    const worker = new SharedWorker(new URL('./lock-worker.ts', import.meta.url), { type: 'module', name: 'crosslock-e2e' });
    return Comlink.wrap<LockWorkerApi>(worker.port);
  },
  dedicatedWorker(): Comlink.Remote<LockWorkerApi> {
    return Comlink.wrap<LockWorkerApi>(new Worker(new URL('./lock-worker.ts', import.meta.url), { type: 'module' }));
  },
};

declare global {
  interface Window {
    crosslock: typeof crosslock;
    harness: typeof harness;
    worker?: Comlink.Remote<LockWorkerApi>;
  }
}

window.harness = harness;
window.crosslock = crosslock;
