/**
 * The lease record, one per lock name, and how a value read from a store is made safe to decide on.
 * Pure: no I/O, no clock (the caller passes `now`). Every store (IndexedDB, Redis, ...) keeps exactly
 * this shape, so the rule (`decide()`) and the fencing check (`staleness()`) are written once.
 *
 * Shape (`v: 2`): `generation` (only goes up), `lastOwner` (the manager that last took the lock
 * exclusively, so the generation knows whether the holder changed), `used` (wall-clock ms of the last
 * grant: what sweeping idle records goes by), `holders` and `queue` (entries: owner manager, grant
 * token, mode, wall-clock expiry, and the entry's OWN lease length).
 *
 * Invariants and why:
 * - each entry is judged by its own `lease`, never by the reader's setting: tabs of one origin run
 *   different settings (a deploy in progress, an old tab), and a tab on a 1.5 s lease must not cut a
 *   10 s lease short (it did in v1, which clipped every entry to the reader's lease);
 * - an expiry more than its own lease ahead of `now` cannot have been written by a live holder (each
 *   writes at most `now + lease`): it comes from a clock stepped back; it is clamped to `now + lease`
 *   so a dead holder's entry lapses within one lease instead of the size of the clock step;
 * - a record of a NEWER version is never repaired or overwritten: `StorageError('version')`. Old and
 *   new code during a schema change would otherwise both hold the lock;
 * - a record of a known version that is clearly broken (wrong types, two exclusive holders) is
 *   repaired (treated as free) and reported (`corrupt: true`: the manager warns), never silently;
 * - a new or repaired record starts above every generation this store ever handed out for any name:
 *   `max(now, floor + 1, broken.generation + 1)`, `floor` being the store's high-water mark of swept
 *   records. The wall clock alone is not enough after a clock step back.
 */
import { StorageError } from '../core/errors.js';
import type { LockMode } from '../core/types.js';

/** The record version this code writes. Version 1 (crosslock 0.1: no per-entry lease) is read and upgraded. */
export const RECORD_VERSION = 2;

/**
 * The longest lease an entry may claim, ms (1 hour). Longer would keep a crashed holder's lock for
 * longer than any wallet operation lasts; an entry claiming more is broken data.
 */
export const MAX_LEASE_MS = 3_600_000;

export interface Entry {
  /** The manager (one per tab) that holds or waits. Generations count changes of owner. */
  readonly owner: string;
  /** One grant or one waiting request: locks are not re-entrant, so two requests of one owner differ. */
  readonly token: string;
  readonly mode: LockMode;
  /** Wall-clock ms (Date.now(), shared by every tab of the machine) after which the entry is void. */
  readonly expires: number;
  /** This entry's own lease length, ms: what its holder renews it by. */
  readonly lease: number;
}

export interface LeaseRecord {
  readonly v: typeof RECORD_VERSION;
  readonly generation: number;
  readonly lastOwner: string | null;
  /** Wall-clock ms of the last grant (0: never granted), for sweeping records idle for long. */
  readonly used: number;
  readonly holders: readonly Entry[];
  readonly queue: readonly Entry[];
}

/**
 * Grants known to be gone before their lease ends (their tab said so while unloading): token → the owner
 * that said it. An entry counts as gone only if its OWN owner said so (lease/messages.ts `dead`).
 */
export type Dead = ReadonlyMap<string, string>;

/** What normalising a stored value found. */
export interface Normalised {
  readonly record: LeaseRecord;
  /** True when the stored value differs from `record` (pruned, repaired, upgraded or new): write it. */
  readonly changed: boolean;
  /** True when the stored value was a broken record of a known version, replaced by a free one. */
  readonly corrupt: boolean;
}

/** A new record, free, with a generation above `floor` and above any count of changes a lock reaches. */
export function freshRecord(now: number, floor = 0): LeaseRecord {
  return { v: RECORD_VERSION, generation: Math.max(Math.floor(now), floor + 1), lastOwner: null, used: 0, holders: [], queue: [] };
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function entry(value: unknown, version: number, now: number): Entry | undefined {
  if (!isObject(value)) return undefined;
  const { owner, token, mode, expires } = value;
  if (typeof owner !== 'string' || typeof token !== 'string' || (mode !== 'exclusive' && mode !== 'shared')) return undefined;
  if (typeof expires !== 'number' || !Number.isFinite(expires)) return undefined;
  // v1 entries carry no lease: their remaining time stands in for it (they were written by 0.1 tabs).
  const lease = version === 1 ? Math.min(Math.max(expires - now, 1), MAX_LEASE_MS) : value.lease;
  if (typeof lease !== 'number' || !(lease > 0 && lease <= MAX_LEASE_MS)) return undefined;
  return { owner, token, mode, expires, lease };
}

/**
 * Makes a stored value safe to decide on (see the invariants above): prunes expired entries and those
 * whose token its own owner said is dead (released during unload), clamps impossible expiries, upgrades v1,
 * repairs broken records of known versions, and throws `StorageError('version')` on newer ones.
 */
export function normalise(stored: unknown, now: number, dead: Dead, floor = 0): Normalised {
  if (stored === undefined) return { record: freshRecord(now, floor), changed: true, corrupt: false };
  const version = isObject(stored) ? stored.v : undefined;
  if (typeof version === 'number' && Number.isInteger(version) && version > RECORD_VERSION) {
    throw new StorageError('version', `a lock record was written by a newer crosslock (record version ${version}; this code knows 1 to ${RECORD_VERSION}): reload this page`);
  }
  const raw = isObject(stored) ? stored : {};
  const generation = raw.generation;
  const lastOwner = raw.lastOwner ?? null;
  const used = version === 1 ? 0 : raw.used;
  const holders = Array.isArray(raw.holders) ? raw.holders.map((e) => entry(e, version as number, now)) : undefined;
  const queue = Array.isArray(raw.queue) ? raw.queue.map((e) => entry(e, version as number, now)) : undefined;
  const valid =
    (version === 1 || version === RECORD_VERSION) &&
    typeof generation === 'number' &&
    Number.isSafeInteger(generation) &&
    generation >= 0 &&
    (lastOwner === null || typeof lastOwner === 'string') &&
    typeof used === 'number' &&
    Number.isFinite(used) &&
    holders !== undefined &&
    queue !== undefined &&
    holders.every((e) => e !== undefined) &&
    queue.every((e) => e !== undefined);
  const repaired = (): Normalised => {
    const above = typeof generation === 'number' && Number.isSafeInteger(generation) && generation >= 0 ? generation : 0;
    return { record: freshRecord(now, Math.max(floor, above)), changed: true, corrupt: true };
  };
  if (!valid) return repaired();

  let changed = version !== RECORD_VERSION;
  const keep = (list: readonly Entry[]): Entry[] =>
    list.flatMap((e) => {
      if (e.expires <= now || dead.get(e.token) === e.owner) {
        changed = true;
        return [];
      }
      if (e.expires > now + e.lease) {
        changed = true;
        return [{ ...e, expires: now + e.lease }];
      }
      return [e];
    });
  const live = keep(holders as Entry[]);
  if (live.length > 1 && live.some((h) => h.mode === 'exclusive')) return repaired();
  const record: LeaseRecord = { v: RECORD_VERSION, generation, lastOwner: lastOwner as string | null, used: used as number, holders: live, queue: keep(queue as Entry[]) };
  return { record, changed, corrupt: false };
}

/** The expiry a record holds for the grant `token`, if it holds one. */
export function expiryOf(record: LeaseRecord, token: string): number | undefined {
  return record.holders.find((e) => e.token === token)?.expires;
}
