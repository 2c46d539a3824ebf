/** Web Locks names onto lease names: every short name spelled out and back; long names hashed, collisions probed. */
import 'fake-indexeddb/auto';
import { deleteDB } from 'idb';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { fullName, MAX_NAME_BYTES } from '../core/names.js';
import { Connection, META_STORE } from '../stores/indexeddb/connection.js';
import { within } from '../stores/indexeddb/within.js';
import { hash128, Names, spelled, unspelled } from './names.js';

const databases: string[] = [];
afterEach(async () => {
  for (const d of databases.splice(0)) await deleteDB(d);
});
function names(): { names: Names; db: Connection } {
  const database = `names-${Math.random().toString(36).slice(2)}`;
  databases.push(database);
  const db = new Connection(database, 5000);
  return { names: new Names(db), db };
}

describe('polyfill names', () => {
  it('spells every name of up to 48 UTF-16 code units as a valid lease name, and reads it back exactly', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 48 }).map((s) => s.slice(0, 48)), fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 48 }), (s, units) => {
        for (const name of [s, String.fromCharCode(...units)]) {
          const lease = spelled(name)!;
          expect(fullName('wl', lease).length).toBeLessThanOrEqual(MAX_NAME_BYTES); // throws if it is no name
          expect(unspelled(lease)).toBe(name);
        }
      }),
    );
    expect(spelled('x'.repeat(49))).toBeUndefined();
    expect(unspelled('h0123-0')).toBeUndefined();
  });

  it('gives long names their own lease names, kept in the table; a hash collision takes the next probe', async () => {
    const { names: a, db } = names();
    const long = 'n'.repeat(100);
    const other = 'm'.repeat(100);
    const base = `h${hash128(long)}-`;
    // Another name already sits at this hash's first probe (as a collision would leave it).
    await within(db, [META_STORE], 'readwrite', (tx) => tx.objectStore(META_STORE).put!('someone else', `polyfill-name:${base}0`));
    const lease = await a.lease(long);
    expect(lease).toBe(`${base}1`);
    expect(fullName('wl', lease)).toBe(`wl+${lease}`);
    expect(await a.lease(long)).toBe(lease);
    expect(await a.lease(other)).not.toBe(lease);
    // Another realm (a fresh Names on the same database) finds the same lease names, and the names back.
    const b = new Names(new Connection(db.database, 5000));
    expect(await b.lease(long)).toBe(lease);
    expect(Object.fromEntries(await b.names([lease, `${base}0`, spelled('é')!, 'h-unknown-0']))).toEqual({ [spelled('é')!]: 'é', [lease]: long, [`${base}0`]: 'someone else' });
    b.close();
    a.close();
  });

  it('two requests of one long name made in a row get their lease name in that order (one lookup)', async () => {
    const { names: a } = names();
    const long = 'q'.repeat(60);
    const first = a.lease(long);
    const second = a.lease(long);
    expect(first).toBe(second);
    await first;
    a.close();
  });
});
