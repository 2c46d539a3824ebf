/**
 * The chaos suite's own log, in a plain IndexedDB database of its own (`crosslock-chaos`, raw `idb`):
 * IndexedDB is strongly consistent across tabs and workers (localStorage is not), and a record written
 * in a committed transaction survives the page that wrote it being closed or crashed.
 *
 * - `intents`: one per fenced counter write, committed BEFORE the write's `put` starts, so every value
 *   that ever lands in the FencedStore has its intent here (id, the id it replaces, its n, generation).
 * - `grants`: one per checked grant (name, generation, owner manager, mode, the manager's own grant
 *   order, and the lock record's stored generation read right after the grant).
 *
 * `storedGeneration()` reads crosslock's own lease/ledger record read-only, on a connection that gives
 * way at once to any version change, so it never blocks the library.
 */
import { openDB, type IDBPDatabase } from 'idb';
import type { GrantLog, Intent } from '../chaos/types.js';

const LOG_DB = 'crosslock-chaos';
let log: Promise<IDBPDatabase> | undefined;

function openLog(): Promise<IDBPDatabase> {
  log ??= openDB(LOG_DB, 1, {
    upgrade(db) {
      db.createObjectStore('intents', { keyPath: 'id' });
      db.createObjectStore('grants', { autoIncrement: true });
    },
  });
  return log;
}

export async function logIntent(intent: Intent): Promise<void> {
  const tx = (await openLog()).transaction('intents', 'readwrite');
  await Promise.all([tx.store.add(intent), tx.done]);
}

export async function logGrant(grant: GrantLog): Promise<void> {
  const tx = (await openLog()).transaction('grants', 'readwrite');
  await Promise.all([tx.store.add(grant), tx.done]);
}

export async function dump(): Promise<{ intents: Intent[]; grants: GrantLog[] }> {
  const db = await openLog();
  return { intents: await db.getAll('intents'), grants: await db.getAll('grants') };
}

let crosslock: Promise<IDBPDatabase> | undefined;

/** The generation stored in crosslock's record of `fullName` now (null if there is none). Call only after a grant: the database exists then. */
export async function storedGeneration(fullName: string): Promise<number | null> {
  crosslock ??= openDB('crosslock', undefined, {
    blocking: (_current, _next, event) => {
      (event.target as IDBDatabase).close();
      crosslock = undefined;
    },
    terminated: () => (crosslock = undefined),
  });
  const db = await crosslock;
  const record = (await db.get('leases', fullName)) as { generation?: unknown } | undefined;
  return typeof record?.generation === 'number' ? record.generation : null;
}
