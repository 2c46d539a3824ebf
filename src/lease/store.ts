/**
 * The seam between the lease protocol and where leases are kept. The protocol (`LeaseLockManager`)
 * knows nothing of IndexedDB, Redis or SQLite: a store only has to give it
 *
 * - `update`: an ATOMIC read-decide-write of named records. The rule is pure and synchronous; the
 *   store reads each record, calls the rule, writes what it returns, with nothing else able to read
 *   or write those records in between (IndexedDB: one readwrite transaction with no foreign await;
 *   Redis: a script or WATCH/MULTI; SQLite: BEGIN IMMEDIATE). This is the whole of exclusion.
 * - `active`: the records that may have holders or waiters (for `query()` and timeout errors), not
 *   every record ever written: a store indexes what is in use.
 * - `sweep`: deletes records the rule calls idle, raising the store's generation high-water mark in
 *   the same atomic step, so a name swept and used again never repeats a generation.
 *
 * and a `LeaseBus` to wake waiters (a lost message only costs a retry: waiters poll as a safety net).
 */
import type { LeaseRecord } from './record.js';
import type { LeaseMessage } from './messages.js';

/**
 * A pure rule: the stored value (`undefined` when there is none) and the store's generation
 * high-water mark in, what to answer and what to write (`null`: nothing) out. It may throw (a
 * `StorageError('version')` for a newer record): the store then writes nothing and rejects with it.
 * `now`: the store's own time (wall-clock ms) read in the same atomic step, for stores shared by hosts
 * whose clocks differ (Redis `TIME`); `undefined` where every party reads one machine's clock (IndexedDB).
 * `born`: for a store that can lose its records under a live holder without anyone noticing (a Redis
 * restarted without persistence, flushed, or evicting keys), the store time at which it first found its
 * records gone (a stamp it keeps with them: a new database looks the same, so it counts as a loss too);
 * the rule grants nothing until every lease from before can have ended (decide.ts `quietUntil`).
 * `undefined` where a loss is always noticed (IndexedDB: a deleted database closes every connection).
 * A store may call a rule more than once (an optimistic store retries when the record changed under
 * it); only the last call's result is written and returned.
 */
export type Rule<R> = (stored: unknown, floor: number, now?: number, born?: number) => R;

export interface RuleResult {
  readonly write: LeaseRecord | null;
}

/**
 * What an update may rely on, for stores that can make it cheaper (ignored by IndexedDB).
 * `releaseOnly`: every rule is a release, which grants nothing to its asker: its `now` only prunes
 * expired entries and starts promoted waiters' leases (which they read back from the release's message).
 * So a time that may lie in the past (a lower bound of the store's time) is safe for it, and so is a
 * record remembered from an earlier step, as long as the write lands only if the record is unchanged.
 * Redis then releases in one round trip instead of two.
 */
export interface UpdateHints {
  readonly releaseOnly?: boolean;
  /**
   * The message announcing the update's outcome (a release's handoff), made from the final results. A
   * store that `announces` publishes it in the same step as the write, so waiters hear of a handoff one
   * trip sooner; other stores ignore it (the manager posts it on the bus).
   */
  readonly announce?: (results: readonly RuleResult[]) => LeaseMessage;
}

export interface LeaseStore {
  /** Identifies the store to fences: `FencedStore` checks a guard against the same database. */
  readonly database: string;
  /**
   * True when updates run in the order they were started (IndexedDB: readwrite transactions in creation
   * order). Otherwise (Redis: optimistic, whichever lands first) a release waits for the attempt still in
   * flight for the same token, or that attempt could put the token back (lease/waiting.ts).
   */
  readonly ordered: boolean;
  /**
   * True when rules get `now` from the store itself (Redis `TIME`): a grant's wall-clock deadline is then
   * the expiry the store wrote, compared with the manager's estimate of the store's time (never behind
   * it), rather than this process's clock at the attempt's start + its lease (hosts' clocks differ).
   */
  readonly ownTime: boolean;
  /** True when the store publishes `UpdateHints.announce`'s message itself (on its own bus: Redis). */
  readonly announces: boolean;
  /** Applies each rule to its record, all in one atomic step; results in the same order. Rejects with `StorageError`. */
  update<R extends RuleResult>(items: ReadonlyArray<readonly [string, Rule<R>]>, hints?: UpdateHints): Promise<R[]>;
  /** The records that have (or recently had) holders or waiters, by name. */
  active(): Promise<Array<[string, unknown]>>;
  /**
   * Visits up to `limit` records after `from` (in key order), deleting those for which `idle` returns
   * a generation and raising the high-water mark to cover it, all in one atomic step. Resolves to
   * where to go on from (`undefined`: the end was reached) and how many were deleted. `now`: the store's
   * own time read with the records (Redis `TIME`), `undefined` where it is the machine's clock; a record
   * is deleted only if it is still exactly as `idle` saw it.
   */
  sweep(idle: (stored: unknown, name: string, now?: number) => number | undefined, from: string | undefined, limit: number): Promise<{ next: string | undefined; removed: number }>;
  /**
   * For a store whose records can vanish under a live holder and that KNOWS when (IndexedDB: the database
   * deleted, or site data cleared): calls `listener` at once, until the returned function is called.
   */
  onLost?(listener: (why: string) => void): () => void;
  close(): void;
}

/** How managers sharing a store tell each other that something changed. */
export interface LeaseBus {
  post(message: LeaseMessage): void;
  /**
   * Listens until the returned function is called. Messages of other protocol versions never arrive here;
   * the others arrive UNCHECKED (anyone may post on the channel): the manager checks them (messages.ts).
   */
  subscribe(listener: (message: unknown) => void): () => void;
  close(): void;
}

/** A heartbeat: renewals and waiter refreshes run on its ticks. */
export interface Heartbeat {
  /** Calls `listener` every tick until the returned function is called. */
  subscribe(listener: () => void): () => void;
  /** Stops at once (the manager is closing). */
  stop(): void;
}
