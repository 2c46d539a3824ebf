/**
 * `crosslock/leader` and `crosslock/backup`'s own campaign on Web Locks in Chromium: a generation ledger (the
 * IndexedDB database of checked grants, opened before the first checked lock) that fails to open once is
 * one `'error'` event, then the election leads (and the swapper writes); `close()` landing 0..30 microtasks
 * after the grant of the election's lock settles with nobody leading and no lock held.
 */
import { deleteDB } from 'idb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BackupSwapper, type BackupInfo } from '../../src/backup.js';
import { WebLockManager, type LockManager } from '../../src/index.js';
import { LeaderElection } from '../../src/leader.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const step of cleanup.splice(0).reverse()) await step();
});

function setup() {
  const prefix = `c${Math.random().toString(36).slice(2, 10)}`;
  const database = `campaign-${prefix}`;
  cleanup.push(() => deleteDB(database));
  const make = () => {
    const m = new WebLockManager({ prefix, database });
    cleanup.push(() => m.close());
    return m;
  };
  return { prefix, database, make };
}

/** Makes opening `database` fail once (the disk went away), as the ledger's first open. */
function failOpenOnce(database: string): void {
  const open = IDBFactory.prototype.open;
  let failed = 0;
  vi.spyOn(IDBFactory.prototype, 'open').mockImplementation(function (this: IDBFactory, name: string, version?: number) {
    if (name === database && failed++ === 0) throw new DOMException('the disk went away', 'UnknownError');
    return open.call(this, name, version);
  });
}

/** `m`, calling `then()` the moment its first lock of a name matching `which` is granted (before its caller hears of it). */
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

/** Runs `fn` after `k` microtasks: at once for 0. */
function after(k: number, fn: () => void): void {
  void (async () => {
    for (let i = 0; i < k; i++) await null;
    fn();
  })();
}

const ledgerFailure = { name: 'ElectionError', retryInMs: 100, cause: expect.objectContaining({ name: 'StorageError', kind: 'unavailable' }) };

describe('campaigns on Web Locks', () => {
  it('a ledger that fails to open once: one typed error, then the election leads', async () => {
    const { database, make } = setup();
    failOpenOnce(database);
    const e = new LeaderElection(make(), 'wallet');
    cleanup.push(() => e.close());
    const errors: unknown[] = [];
    e.addEventListener('error', (event) => errors.push(event.error));
    const leadership = await e.lead();
    expect(e.isLeader).toBe(true);
    expect(leadership.term).toBeGreaterThan(0);
    expect(errors).toEqual([expect.objectContaining(ledgerFailure)]);
  });

  it("a ledger that fails to open once: the swapper's own campaign says so once, then leads and writes", async () => {
    const { database, make } = setup();
    failOpenOnce(database);
    const swapper = new BackupSwapper<string>({ manager: make(), walletId: 'wallet-1', pack: (s) => new TextEncoder().encode(s), database });
    cleanup.push(() => swapper.close());
    const errors: unknown[] = [];
    swapper.addEventListener('error', (event) => errors.push(event.error));
    const written = new Promise<BackupInfo>((resolve) => swapper.addEventListener('backup', (event) => resolve(event.info)));
    await swapper.start('state 0');
    expect(await written).toMatchObject({ walletId: 'wallet-1', sequence: 0 });
    expect(errors).toEqual([expect.objectContaining(ledgerFailure)]);
  });

  it('close() 0..30 microtasks after the grant (an election, a swapper) settles: nobody leads, no lock is held', async () => {
    for (const via of ['election', 'swapper'] as const) {
      for (let k = 0; k <= 30; k++) {
        const { prefix, make } = setup();
        const label = `${via} ${k}`;
        let closing: Promise<void> | undefined;
        let close: () => Promise<void> = () => Promise.resolve();
        let granted!: () => void;
        const grant = new Promise<void>((resolve) => (granted = resolve));
        const hooked = onGrant(make(), /^(leader|backup)\+/, () => after(k, () => ((closing = close()), granted())));
        let e: LeaderElection;
        let settled = false;
        if (via === 'election') {
          e = new LeaderElection(hooked, 'wallet');
          close = () => e.close();
          void e.lead().then(
            () => (settled = true),
            () => (settled = true),
          );
        } else {
          const swapper = new BackupSwapper<string>({ manager: hooked, walletId: 'wallet-1', pack: (s) => new TextEncoder().encode(s), target: { latest: async () => undefined, history: async () => [], swap: async () => {}, close() {} } });
          e = swapper.election;
          close = () => swapper.close();
          settled = true; // its campaign is the swapper's own: close() waits for it
        }
        await grant;
        await closing;
        expect(settled, label).toBe(true);
        expect(e.isLeader, label).toBe(false);
        const { held = [], pending = [] } = await navigator.locks.query();
        expect([...held, ...pending].map((l) => l.name).filter((n) => n?.startsWith(`${prefix}+`)), label).toEqual([]);
      }
    }
  }, 60_000);
});
