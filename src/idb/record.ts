/**
 * The lease record kept in IndexedDB, one per lock name, and how a record read from storage is made
 * safe to decide on. Pure: no I/O, no clock (the caller passes `now`).
 *
 * Shape (`v: 1`): `generation` (a number that only goes up), `lastOwner` (the manager that took the lock
 * last, so the generation knows whether the holder changed), `holders` and `queue` (entries: owner
 * manager, grant token, mode, wall-clock expiry). Expired entries mean nothing and are pruned on every
 * read; the record itself is kept so the generation survives.
 */
import type { LockMode } from '../core/types.js';

export interface Entry {
  /** The manager (one per tab) that holds or waits. Generations count changes of owner. */
  readonly owner: string;
  /** One grant or one waiting request: locks are not re-entrant, so two requests of one owner differ. */
  readonly token: string;
  readonly mode: LockMode;
  /** Wall-clock ms (Date.now(), shared by every tab of the machine) after which the entry is void. */
  readonly expires: number;
}

export interface LeaseRecord {
  readonly v: 1;
  readonly generation: number;
  readonly lastOwner: string | null;
  readonly holders: readonly Entry[];
  readonly queue: readonly Entry[];
}

/** What normalising a stored value found. */
export interface Normalised {
  readonly record: LeaseRecord;
  /** True when the stored value differs from `record` (pruned, repaired or new), so it must be written. */
  readonly changed: boolean;
  /** True when the stored value was not a valid record (wrong shape, impossible holders). */
  readonly corrupt: boolean;
}

/**
 * A new record's generation is the wall-clock time in ms: far above any count of holder changes a lock
 * reaches, so a record that is recreated (first use, repaired after corruption) never hands out a
 * generation lower than one it handed out before, and fencing tokens never go backwards.
 */
export function freshRecord(now: number): LeaseRecord {
  return { v: 1, generation: Math.floor(now), lastOwner: null, holders: [], queue: [] };
}

function isEntry(value: unknown): value is Entry {
  const e = value as Partial<Entry> | null;
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof e.owner === 'string' &&
    typeof e.token === 'string' &&
    (e.mode === 'exclusive' || e.mode === 'shared') &&
    typeof e.expires === 'number' &&
    Number.isFinite(e.expires)
  );
}

/**
 * Makes a stored value safe to decide on:
 * - not a record of this shape (foreign or corrupted data): replaced by a fresh record (no holder);
 * - entries past their expiry, or whose token is known dead (released during unload): dropped;
 * - an expiry more than one lease ahead of `now` cannot have been written by a live holder (each
 *   writes at most `now + lease`); it comes from a clock that jumped back or from bad data, and is
 *   clamped to `now + lease`, so such an entry expires after one lease unless its holder renews it;
 * - an exclusive holder beside any other holder is impossible: the record is treated as corrupt.
 */
export function normalise(stored: unknown, now: number, lease: number, dead: ReadonlySet<string>): Normalised {
  const raw = stored as Partial<LeaseRecord> | undefined | null;
  if (raw === undefined) return { record: freshRecord(now), changed: true, corrupt: false };
  const valid =
    typeof raw === 'object' &&
    raw !== null &&
    raw.v === 1 &&
    typeof raw.generation === 'number' &&
    Number.isSafeInteger(raw.generation) &&
    raw.generation >= 0 &&
    (raw.lastOwner === null || typeof raw.lastOwner === 'string') &&
    Array.isArray(raw.holders) &&
    Array.isArray(raw.queue) &&
    raw.holders.every(isEntry) &&
    raw.queue.every(isEntry);
  if (!valid) return { record: freshRecord(now), changed: true, corrupt: true };

  let changed = false;
  const keep = (list: readonly Entry[]): Entry[] =>
    list.flatMap((e) => {
      if (e.expires <= now || dead.has(e.token)) {
        changed = true;
        return [];
      }
      if (e.expires > now + lease) {
        changed = true;
        return [{ ...e, expires: now + lease }];
      }
      return [e];
    });
  const holders = keep(raw.holders as Entry[]);
  const queue = keep(raw.queue as Entry[]);
  if (holders.length > 1 && holders.some((h) => h.mode === 'exclusive')) {
    return { record: { ...freshRecord(now), generation: Math.max(raw.generation + 1, Math.floor(now)) }, changed: true, corrupt: true };
  }
  const record: LeaseRecord = { v: 1, generation: raw.generation, lastOwner: raw.lastOwner ?? null, holders, queue };
  return { record, changed, corrupt: false };
}

/**
 * The Web Locks ledger: the browser granted `owner` the lock; record it in the lock's record (no
 * holders or queue are kept for Web Locks: the browser keeps those). The generation goes up when the
 * owner differs from the last one, exactly as for leases, so both backends count alike.
 */
export function recordGrant(stored: unknown, now: number, owner: string): { record: LeaseRecord; generationUp: boolean; write: LeaseRecord } {
  const { record } = normalise(stored, now, Number.POSITIVE_INFINITY, new Set());
  const generationUp = record.lastOwner !== owner;
  const next: LeaseRecord = { ...record, generation: record.generation + (generationUp ? 1 : 0), lastOwner: owner };
  return { record: next, generationUp, write: next };
}
