/**
 * A dedicated Worker or SharedWorker holding crosslock locks, driven from a page through comlink.
 * `use(backend)` picks the backend first (default Web Locks): `'indexeddb'` runs the lease backend in
 * the worker, where there is no page lifecycle and no `document`.
 */
import * as Comlink from 'comlink';
import { WebLockManager, type LockGuard, type LockManager } from '../../src/index.js';
import { IndexedDbLockManager } from '../../src/indexeddb.js';

let locks: LockManager | undefined;
const manager = (): LockManager => (locks ??= new WebLockManager({ prefix: 'e2e' }));
const guards = new Map<string, LockGuard>();

const api = {
  use(backend: 'web-locks' | 'indexeddb'): string {
    locks ??= backend === 'indexeddb' ? new IndexedDbLockManager({ prefix: 'e2e' }) : new WebLockManager({ prefix: 'e2e' });
    return locks.backend;
  },
  scope: () => manager().scope,
  async hold(name: string, timeout: number): Promise<boolean> {
    guards.set(name, await manager().lock(name, { timeout }));
    return true;
  },
  async tryHold(name: string): Promise<boolean> {
    const guard = await manager().tryLock(name);
    if (guard) guards.set(name, guard);
    return guard !== null;
  },
  async release(name: string): Promise<void> {
    await guards.get(name)?.release();
    guards.delete(name);
  },
  /** Closes the manager: 'closed', or the error's name and message. */
  close(): Promise<string> {
    return manager().close().then(
      () => 'closed',
      (e: Error) => `${e.name}: ${e.message}`,
    );
  },
};
export type LockWorkerApi = typeof api;

const scope = self as unknown as { onconnect?: unknown };
if ('onconnect' in scope) {
  scope.onconnect = (event: MessageEvent) => Comlink.expose(api, event.ports[0]!);
} else {
  Comlink.expose(api);
}
