/**
 * `crosslock/service` on Web Locks in Chromium: a host whose Web Locks ledger (the generation ledger of
 * checked grants, an IndexedDB database opened before the first checked lock) fails to open once says so
 * in one `'error'` event and serves on its next try; `close()` landing 0..30 microtasks after the grant of
 * the host election (or of a start's alive lock) settles, with nothing serving and no lock held after it.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { deleteDB } from 'idb';
import { WebLockManager, type LockManager } from '../../src/index.js';
import { connect, serve, type HostContext, type ServiceHost } from '../../src/service.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const step of cleanup.splice(0).reverse()) await step();
});

function setup() {
  const prefix = `s${Math.random().toString(36).slice(2, 10)}`;
  const database = `service-${prefix}`;
  cleanup.push(() => deleteDB(database));
  const make = () => {
    const m = new WebLockManager({ prefix, database });
    cleanup.push(() => m.close());
    return m;
  };
  return { prefix, database, make };
}

/** The next `'host'` event of `h` with a context. */
const hosting = (h: ServiceHost) => new Promise<HostContext>((resolve) => h.addEventListener('host', (e) => e.context && resolve(e.context)));

/** `manager`, calling `then()` the moment the first lock of a name matching `which` is granted (before its caller hears of it). */
function onGrant(m: LockManager, which: RegExp, then: () => void): LockManager {
  let once = false;
  return new Proxy(m, {
    get(target, p) {
      if (p === 'lock') {
        return (name: string, options: never) => {
          const granted = target.lock(name, options);
          if (which.test(name) && !once) granted.then(() => ((once = true), then()), () => {});
          return granted;
        };
      }
      const value = Reflect.get(target, p) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe('crosslock/service on Web Locks', () => {
  it('a ledger that fails to open once: one typed error, and the host serves on its next try', async () => {
    const { database, make } = setup();
    const open = IDBFactory.prototype.open;
    let failed = 0;
    vi.spyOn(IDBFactory.prototype, 'open').mockImplementation(function (this: IDBFactory, name: string, version?: number) {
      if (name === database && failed++ === 0) throw new DOMException('the disk went away', 'UnknownError');
      return open.call(this, name, version);
    });
    const h = serve('wallet', { add: (n: number) => n + 1 }, { manager: make() });
    cleanup.push(() => h.close());
    const errors: unknown[] = [];
    h.addEventListener('error', (e) => errors.push(e.error));
    const serving = hosting(h);
    const c = connect<{ add(n: number): number }>('wallet', { manager: make(), mode: 'channel', timeout: 10_000 });
    cleanup.push(() => c.close());
    expect(await c.remote.add(1)).toBe(2);
    await serving;
    expect(errors).toEqual([expect.objectContaining({ name: 'ServiceHostError', kind: 'election', retryInMs: 100, cause: expect.objectContaining({ name: 'StorageError', kind: 'unavailable' }) })]);
  });

  it('close() 0..30 microtasks after the grant (host election, alive lock; host and client with a fallback host) settles, nothing serves, no lock is held', async () => {
    for (const which of [/^service\+/, /^alive\+/]) {
      for (const via of ['host', 'client'] as const) {
        for (let k = 0; k <= 30; k++) {
          const { prefix, make } = setup();
          const label = `${which.source} ${via} ${k}`;
          let closing: Promise<void> | undefined;
          let close: () => Promise<void> = () => Promise.resolve();
          let granted!: () => void;
          const grant = new Promise<void>((resolve) => (granted = resolve));
          const hooked = onGrant(make(), which, () => {
            void (async () => {
              for (let i = 0; i < k; i++) await null;
              closing = close();
              granted();
            })();
          });
          let h: ServiceHost;
          if (via === 'host') {
            h = serve('wallet', {}, { manager: hooked });
            close = () => h.close();
          } else {
            const c = connect('wallet', { manager: hooked, mode: 'channel', fallback: {} });
            close = () => c.close();
            await Promise.resolve();
            h = c.localHost!;
          }
          await grant;
          await closing;
          expect(h.context, label).toBeNull();
          const { held = [], pending = [] } = await navigator.locks.query();
          expect([...held, ...pending].map((l) => l.name).filter((n) => n?.startsWith(`${prefix}+`)), label).toEqual([]);
        }
      }
    }
  }, 60_000);
});
