/**
 * The in-page half of `npm run bench:stale`: fills one lease database with `count` idle records (copies
 * of a real one, so any version of the library reads them as its own), then times what reads lock
 * records: `query()`, and a `lock()` that times out (its error names the holders).
 */
import { IndexedDbLockManager } from '../../src/indexeddb.js';

const DATABASE = 'crosslock-stale-bench';

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

async function fill(count: number): Promise<void> {
  const seeding = new IndexedDbLockManager({ database: DATABASE });
  await (await seeding.lock('seed', { timeout: 0 })).release();
  await seeding.close();
  const db = await request(indexedDB.open(DATABASE));
  const template: unknown = await request(db.transaction('leases').objectStore('leases').get('+seed'));
  const BATCH = 10_000;
  for (let from = 0; from < count; from += BATCH) {
    const tx = db.transaction('leases', 'readwrite');
    for (let i = from; i < Math.min(count, from + BATCH); i++) tx.objectStore('leases').put(template, `+round.${i}`);
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
    });
  }
  db.close();
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function time(times: number, run: () => Promise<unknown>): Promise<number> {
  const took: number[] = [];
  for (let i = 0; i < times; i++) {
    const start = performance.now();
    await run();
    took.push(performance.now() - start);
  }
  return median(took);
}

async function staleBench(count: number, times: number) {
  await request(indexedDB.deleteDatabase(DATABASE));
  const filling = performance.now();
  await fill(count);
  const filled = performance.now() - filling;
  const holder = new IndexedDbLockManager({ database: DATABASE });
  const other = new IndexedDbLockManager({ database: DATABASE });
  const held = await holder.lock('busy', { timeout: 0 });
  const query = await time(times, () => other.query());
  const TIMEOUT = 100;
  // Granted although 'busy' is held: the holder's lease lapsed, its renewals stuck behind our reads.
  let lapsed = 0;
  const timeout = await time(times, () =>
    other.lock('busy', { timeout: TIMEOUT }).then(
      (stolen) => ((lapsed += 1), stolen.release()),
      (e: Error) => e.name === 'LockTimeoutError' || Promise.reject(e),
    ),
  );
  const tryLock = await time(times, () => other.tryLock('free').then((g) => g?.release()));
  await held.release().catch(() => {});
  await Promise.all([holder.close(), other.close()]);
  await request(indexedDB.deleteDatabase(DATABASE));
  return { count, fillMs: filled, queryMs: query, timeoutMs: timeout, tryLockMs: tryLock, lapsed };
}

Object.assign(globalThis, { staleBench });
