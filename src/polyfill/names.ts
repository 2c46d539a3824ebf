/**
 * Web Locks names onto lease names. A Web Locks name is any DOMString (the empty string, NUL, unpaired
 * surrogates, any length), compared code unit for code unit and never normalised; a lease name is a lock
 * name (`A-Z a-z 0-9 . _ -`, core/names.ts) under the polyfill's prefix `wl`, 200 bytes at most in all. So:
 *
 * - a name of at most SHORT code units is spelled out: `x` and four hex digits per UTF-16 code unit,
 *   which maps every DOMString to one lease name and back (no two names meet, nothing is lost);
 * - a longer one is `h` + a 128-bit hash of its code units + `-` + a probe number, and the name itself is
 *   kept in the database's `meta` store under that key (`polyfill-name:<lease name>`), written before its
 *   first request and read back by `query()`. The probe number makes a hash collision harmless: a name
 *   takes the first probe whose stored name is itself or free, in one readwrite transaction.
 */
import { META_STORE, storageError, type Connection } from '../stores/indexeddb/connection.js';
import { within } from '../stores/indexeddb/within.js';

/** Code units spelled out in full: full name `wl+x` + 4 × 48 = 196 characters (core/names.ts), under the 200 of a lock name. */
const SHORT = 48;
const TABLE = 'polyfill-name:';

/** The lease name of a short name, or `undefined` for a long one. */
export function spelled(name: string): string | undefined {
  if (name.length > SHORT) return undefined;
  let out = 'x';
  for (let i = 0; i < name.length; i++) out += name.charCodeAt(i).toString(16).padStart(4, '0');
  return out;
}

/** The Web Locks name of a spelled lease name, or `undefined` for a hashed one. */
export function unspelled(lease: string): string | undefined {
  if (!/^x(?:[0-9a-f]{4})*$/.test(lease)) return undefined;
  let out = '';
  for (let i = 1; i < lease.length; i += 4) out += String.fromCharCode(parseInt(lease.slice(i, i + 4), 16));
  return out;
}

/**
 * cyrb128-style hash of the code units: 32 hex digits, about 96 bits of it independent (the first lane is
 * the others' XOR). Not for secrecy, and a collision costs nothing but a probe (see `Names`).
 */
export function hash128(s: string): string {
  let h1 = 1779033703, h2 = 3144134277, h3 = 1013904242, h4 = 2773480762;
  for (let i = 0; i < s.length; i++) {
    const k = s.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  return [h1 ^ h2 ^ h3 ^ h4, h2 ^ h1, h3 ^ h1, h4 ^ h1].map((h) => (h >>> 0).toString(16).padStart(8, '0')).join('');
}

/** Maps names both ways, remembering what this realm has seen. */
/** Long names remembered per realm (least recently used dropped first): a lookup saved, never a correctness matter. */
const REMEMBERED = 1000;

export class Names {
  /** Long names' lease names as promises, so two requests of one name made in a row keep their order. */
  readonly #toLease = new Map<string, Promise<string>>();
  readonly #toName = new Map<string, string>();

  constructor(private readonly db: Connection) {}

  close(): void {
    this.db.close();
  }

  /** The lease name for `name` (for a long one, claimed in the table first). */
  lease(name: string): Promise<string> {
    const short = spelled(name);
    if (short !== undefined) return Promise.resolve(short);
    let known = this.#toLease.get(name);
    if (!known) {
      known = this.#claim(name);
      this.#toLease.set(name, known);
      if (this.#toLease.size > REMEMBERED) this.#toLease.delete(this.#toLease.keys().next().value!);
      known.catch(() => this.#toLease.get(name) === known && this.#toLease.delete(name));
    }
    return known;
  }

  async #claim(name: string): Promise<string> {
    const base = `h${hash128(name)}-`;
    const lease = await within(this.db, [META_STORE], 'readwrite', async (tx) => {
      const meta = tx.objectStore(META_STORE);
      for (let probe = 0; ; probe++) {
        const key = `${base}${probe}`;
        const stored = (await meta.get(TABLE + key)) as string | undefined;
        if (stored === name) return key;
        if (stored === undefined) {
          await meta.put!(name, TABLE + key);
          return key;
        }
      }
    }).catch((error: unknown) => {
      throw storageError(error, 'record a lock name');
    });
    this.#toName.set(lease, name);
    this.#trim();
    return lease;
  }

  /** The names of these lease names (those the table does not know are left out). */
  async names(leases: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const missing: string[] = [];
    for (const lease of leases) {
      const name = unspelled(lease) ?? this.#toName.get(lease);
      if (name !== undefined) out.set(lease, name);
      else if (!missing.includes(lease)) missing.push(lease);
    }
    if (missing.length > 0) {
      const found = await within(this.db, [META_STORE], 'readonly', (tx) => Promise.all(missing.map((lease) => tx.objectStore(META_STORE).get(TABLE + lease) as Promise<string | undefined>)));
      missing.forEach((lease, i) => {
        const name = found[i];
        if (typeof name === 'string') (this.#toName.set(lease, name), out.set(lease, name));
      });
      this.#trim();
    }
    return out;
  }

  #trim(): void {
    while (this.#toName.size > REMEMBERED) this.#toName.delete(this.#toName.keys().next().value!);
  }
}
