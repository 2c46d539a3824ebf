/**
 * A bare page for e2e specs. `window.crosslock` is the library; `window.harness` keeps guards between
 * `page.evaluate` calls, runs the IndexedDB exclusion checker and starts workers.
 */
import * as Comlink from 'comlink';
import * as core from '../../src/index.js';
import * as fencedEntry from '../../src/fenced.js';
import * as indexeddb from '../../src/indexeddb.js';
import * as memory from '../../src/memory.js';
import * as checker from './checker.js';
import type { LockWorkerApi } from './lock-worker.js';

/** Every entry point of the package, as one namespace. */
const crosslock = { ...core, ...memory, ...indexeddb, ...fencedEntry };

const guards = new Map<string, core.LockGuard>();
let selection: Promise<core.PlatformSelection> | undefined;
/** This tab's manager, chosen by platformDefault() (Web Locks, or IndexedDB leases where they are hidden). */
const locks = async (): Promise<core.LockManager> => (await (selection ??= crosslock.platformDefault({ prefix: 'e2e' }))).manager;

let fenced: fencedEntry.FencedStore<unknown> | undefined;
const store = (): fencedEntry.FencedStore<unknown> => (fenced ??= new crosslock.FencedStore({ namespace: 'e2e' }));

const harness = {
  checker,
  store,
  /** Writes through the FencedStore under the guard of `name`: 'ok', or the error's name. */
  write(name: string, key: string, value: unknown): Promise<string> {
    return store().put(guards.get(name)!, key, value).then(() => 'ok', (e: Error) => e.name);
  },
  /** `iterations` times: under the lock, read the counter from the FencedStore and write it + 1. */
  async count(iterations: number): Promise<void> {
    for (let i = 0; i < iterations; i++) {
      await (await locks()).withLock('counter', { timeout: 30_000 }, async (guard) => {
        const n = ((await store().get('n')) as number | undefined) ?? 0;
        await store().put(guard, 'n', n + 1);
      });
    }
  },
  locks,
  backend: async () => (await locks()).backend,
  /** Takes `name` and keeps the guard; resolves once held. */
  async hold(name: string, options: core.WebLockOptions): Promise<number> {
    guards.set(name, await (await locks()).lock(name, options));
    return performance.timeOrigin + performance.now();
  },
  async tryHold(name: string, mode: core.LockMode = 'exclusive'): Promise<boolean> {
    const guard = await (await locks()).tryLock(name, { mode });
    if (guard) guards.set(name, guard);
    return guard !== null;
  },
  async release(name: string): Promise<void> {
    await guards.get(name)?.release();
    guards.delete(name);
  },
  /** Whether the guard of `name` has been told it lost the lock. */
  isLost: (name: string): boolean => guards.get(name)?.signal.aborted ?? false,
  /** Resolves with the reason the guard of `name` was lost, when it is. */
  lost(name: string): Promise<{ name: string; kind: string }> {
    const signal = guards.get(name)!.signal; // reading it may abort it at once (a lease past its deadline)
    const reason = () => ({ name: signal.reason.name, kind: signal.reason.kind });
    if (signal.aborted) return Promise.resolve(reason());
    return new Promise((resolve) => signal.addEventListener('abort', () => resolve(reason()), { once: true }));
  },
  /** A SharedWorker; `instance` names it, so tests wanting different backends get different workers. */
  sharedWorker(instance = 'crosslock-e2e'): Comlink.Remote<LockWorkerApi> {
    const worker = new SharedWorker(new URL('./lock-worker.ts', import.meta.url), { type: 'module', name: instance });
    return Comlink.wrap<LockWorkerApi>(worker.port);
  },
  /** Deletes a database; 'blocked' if some connection (a manager not closed) kept it open. */
  deleteDatabase(name: string): Promise<string> {
    return new Promise((resolve) => {
      const request = indexedDB.deleteDatabase(name);
      request.onblocked = () => resolve('blocked');
      request.onsuccess = () => resolve('deleted');
      request.onerror = () => resolve(`error: ${request.error?.name}`);
    });
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
