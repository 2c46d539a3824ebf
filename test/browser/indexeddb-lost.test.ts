/**
 * IndexedDB lease records vanishing under a live holder, in real Chromium: the database deleted by other
 * code of the origin. Its holders are told before the deletion can finish (the `versionchange` of a
 * deletion reaches every open connection, and the deletion waits for them to close), so a manager granted
 * the lock in the database made afresh never holds it beside them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { IndexedDbLockManager } from '../../src/indexeddb.js';

const managers: IndexedDbLockManager[] = [];
afterEach(async () => void (await Promise.all(managers.splice(0).map((m) => m.close()))));

function manager(database: string): IndexedDbLockManager {
  const m = new IndexedDbLockManager({ database });
  managers.push(m);
  return m;
}

const deleted = (database: string): Promise<void> =>
  new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(database);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(request.error);
  });

describe('IndexedDB records deleted under a live holder', () => {
  it('the holder is told before the deletion completes; a manager of the new database then holds alone, at a higher generation', async () => {
    const database = `lost-${Math.random().toString(36).slice(2)}`;
    const [a, b] = [manager(database), manager(database)];
    const held = await a.lock('x', { timeout: 1000 });
    let abortedBeforeDeleted: boolean | undefined;
    const deletion = deleted(database).then(() => (abortedBeforeDeleted = held.signal.aborted));
    await deletion;
    expect(abortedBeforeDeleted).toBe(true);
    expect(held.signal.reason).toMatchObject({ name: 'LockLostError', kind: 'expired' });
    expect(String((held.signal.reason as Error).message)).toContain('is being deleted');
    const next = await b.tryLock('x');
    expect(next).not.toBeNull();
    expect(held.signal.aborted).toBe(true);
    expect(next!.generation).toBeGreaterThan(held.generation!);
    await next!.release();
    await held.release().catch(() => {});
  });

  it('a waiter of the deleted database keeps waiting, and is granted in the new one', async () => {
    const database = `lost-${Math.random().toString(36).slice(2)}`;
    const [a, b] = [manager(database), manager(database)];
    const held = await a.lock('x', { timeout: 1000 });
    const waiting = b.lock('x', { timeout: 10_000 });
    await deleted(database);
    expect(held.signal.aborted).toBe(true);
    const next = await waiting;
    expect(next.generation).toBeGreaterThan(held.generation!);
    await next.release();
  });
});
