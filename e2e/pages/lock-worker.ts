/** A dedicated Worker or SharedWorker holding crosslock Web Locks, driven from a page through comlink. */
import * as Comlink from 'comlink';
import { WebLockManager, type LockGuard } from '../../src/index.js';

const locks = new WebLockManager({ prefix: 'e2e' });
const guards = new Map<string, LockGuard>();

const api = {
  scope: () => locks.scope,
  async hold(name: string, timeout: number): Promise<boolean> {
    guards.set(name, await locks.lock(name, { timeout }));
    return true;
  },
  async tryHold(name: string): Promise<boolean> {
    const guard = await locks.tryLock(name);
    if (guard) guards.set(name, guard);
    return guard !== null;
  },
  async release(name: string): Promise<void> {
    await guards.get(name)?.release();
    guards.delete(name);
  },
};
export type LockWorkerApi = typeof api;

const scope = self as unknown as { onconnect?: unknown };
if ('onconnect' in scope) {
  scope.onconnect = (event: MessageEvent) => Comlink.expose(api, event.ports[0]!);
} else {
  Comlink.expose(api);
}
