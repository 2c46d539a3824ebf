/** IndexedDB failures reach the caller as typed errors, and lose nothing. */
import { expect, test } from './fixtures.js';
import { withoutWebLocks } from './helpers.js';

test.beforeEach(async ({ context }) => withoutWebLocks(context));

test('over quota: StorageError("quota"), the lock is not taken, and it works once there is room', async ({ tabs }) => {
  const [page] = await tabs.open(1);
  const outcome = await page!.evaluate(async () => {
    // Chromium's quota override (CDP Storage.overrideQuotaForOrigin) does not refuse writes as small as
    // a lease record, so the store's put fails as Chromium fails it when the origin is full.
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = () => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };
    const full = await window.harness.tryHold('round').then(String, (e: Error & { kind?: string }) => `${e.name}:${e.kind}`);
    IDBObjectStore.prototype.put = put;
    const held = (await (await window.harness.locks()).query()).held.length;
    return { full, held, later: await window.harness.tryHold('round') };
  });
  expect(outcome).toEqual({ full: 'StorageError:quota', held: 0, later: true });
});

test('an open that stays blocked: StorageError("blocked") after openTimeoutMs, not a hang', async ({ tabs }) => {
  const [page] = await tabs.open(1);
  const error = await page!.evaluate(async () => {
    // A connection that ignores versionchange keeps a deleteDatabase waiting; our open queues behind it.
    await new Promise<void>((opened) => {
      const request = indexedDB.open('blocked-db', 1);
      request.onupgradeneeded = () => request.result.createObjectStore('leases');
      request.onsuccess = () => opened();
    });
    indexedDB.deleteDatabase('blocked-db');
    const locks = new window.crosslock.IndexedDbLockManager({ database: 'blocked-db', openTimeoutMs: 200 });
    return locks.tryLock('x').then(String, (e: Error & { kind?: string }) => `${e.name}:${e.kind}`);
  });
  expect(error).toBe('StorageError:blocked');
});
