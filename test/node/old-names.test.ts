/**
 * Records written under the old dotted encoding (`<prefix>.<name>`, or `<name>` without a prefix) are
 * never read as a lock of the new one (core/names.ts): not by a manager without a prefix asking for the
 * dotted name, nor by the prefixed managers whose pair joined to it. They are not read at all: left as
 * they are, and out of every query(). IndexedDB leases here (fake-indexeddb); Redis in
 * test/redis/names.test.ts, Web Locks in test/browser/web-locks.test.ts.
 */
import 'fake-indexeddb/auto';
import { deleteDB } from 'idb';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { IndexedDbLockManager } from '../../src/indexeddb.js';
import { Connection } from '../../src/stores/indexeddb/connection.js';

let database: string;
let managers: IndexedDbLockManager[];
beforeEach(() => {
  database = `old-names-${Math.random().toString(36).slice(2)}`;
  managers = [];
});
afterEach(async () => {
  await Promise.all(managers.map((m) => m.close()));
  await deleteDB(database);
});

function manager(prefix?: string): IndexedDbLockManager {
  const m = new IndexedDbLockManager({ database, ...(prefix === undefined ? {} : { prefix }) });
  managers.push(m);
  return m;
}

/** A v2 record held (for an hour) by a manager of the old code, as it stored it. */
function held(now: number) {
  const entry = { owner: 'old-tab', token: 'old-grant', mode: 'exclusive', expires: now + 3_600_000, lease: 3_600_000 };
  return { v: 2, generation: 41, lastOwner: 'old-tab', used: now, holders: [entry], queue: [] };
}

it('an old record under "alice.savings.sync" is no lock of the new encoding, prefixed or not, and is left alone', async () => {
  const db = await new Connection(database, Infinity).open();
  const old = held(Date.now());
  await db.put('leases', old, 'alice.savings.sync');
  await db.put('leases', old, 'sync');
  const bare = manager();
  const alice = manager('alice');
  const savings = manager('alice.savings');
  for (const [m, name] of [
    [bare, 'alice.savings.sync'],
    [bare, 'sync'],
    [alice, 'savings.sync'],
    [savings, 'sync'],
  ] as const) {
    const guard = await m.tryLock(name);
    expect(guard, `${m.prefix ?? '(no prefix)'} / ${name}`).not.toBeNull();
    await guard!.release();
  }
  for (const m of [bare, alice, savings]) expect(await m.query()).toEqual({ held: [], pending: [] });
  expect(await db.get('leases', 'alice.savings.sync')).toEqual(old);
  expect(await db.get('leases', 'sync')).toEqual(old);
  db.close();
});
