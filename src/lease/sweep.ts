/**
 * Sweeping idle records, shared by every backend that keeps one record per lock name (leases, and the
 * Web Locks generation ledger): which records may go, how often a pass runs, and how big a step is.
 *
 * INVARIANT: a swept name never repeats a generation. The store deletes a record and raises its
 * generation high-water mark over it in one atomic step, and a new record starts above that mark
 * (`freshRecord`), so a guard of the swept record can never match the name's next generation.
 */
import { MAX_LEASE_MS, normalise, type Normalised } from './record.js';

/**
 * A record free and unused for this long may be deleted, ms (5 minutes): far longer than any handoff
 * or retry takes, so a name in use is never swept between two grants; short enough that names made
 * per round (`round.<id>` every 4 s: 21,600 a day) stay in the hundreds.
 */
export const SWEEP_IDLE_MS = 300_000;
/** How often a busy manager starts a sweep pass, ms. A pass that finds a full batch goes on at its next step. */
export const SWEEP_EVERY_MS = 60_000;
/** Records visited per sweep step: one short transaction, never a long scan on the hot path. */
export const SWEEP_BATCH = 200;

/**
 * Whether a record may be swept (deleted): free, and last granted at least `idleMs` ago. Returns the
 * generation the store's high-water mark must then cover (so the name's next record starts above it),
 * or `undefined` to keep the record. A newer version's record is not ours to delete.
 *
 * `now` is the store's time where it has one (Redis `TIME`), else the sweeper's clock, which may run
 * ahead of the holders' (a clock stepped forward; a tab's clock in a test). So "free" has a MARGIN taken
 * from each entry's own lease: an entry keeps its record until it has been expired for a whole lease of
 * its own. A sweeper whose clock runs ahead by less than an entry's lease never takes that entry for
 * gone, however rarely its holder renews (a holder renewing every 60 s has a lease of at least 120 s);
 * the two looks (`TwoLooks`) are the second guard, for a clock ahead by more.
 */
export function sweepable(stored: unknown, now: number, idleMs: number): number | undefined {
  let normalised: Normalised;
  try {
    normalised = normalise(stored, now, new Map());
  } catch {
    return undefined;
  }
  const { record } = normalised;
  if (record.holders.length > 0 || record.queue.length > 0 || now - record.used < idleMs) return undefined;
  // A broken record (repaired as free) has no entry to trust; a valid one keeps its record for the margin.
  return normalised.corrupt || lapsedLongAgo(stored, now) ? record.generation : undefined;
}

/** Every entry of a (valid) stored record expired at least its own lease before `now` (v1 entries: the longest lease). */
function lapsedLongAgo(stored: unknown, now: number): boolean {
  const { holders, queue } = stored as { holders?: unknown; queue?: unknown };
  const entries = [...(Array.isArray(holders) ? holders : []), ...(Array.isArray(queue) ? queue : [])] as Array<{ expires: number; lease?: unknown }>;
  return entries.every((e) => e.expires + (typeof e.lease === 'number' ? e.lease : MAX_LEASE_MS) <= now);
}

/**
 * Where a sweep pass is: `step` runs one batch when a pass is due (`SWEEP_EVERY_MS` after the first
 * step, then after the last pass ended) or under way, never two at once. Not at the first step: a page
 * that opens and closes within a minute adds no transaction, and a load of tabs does not all sweep
 * at start-up. A failed batch ends the pass; the next one starts over.
 */
export class SweepPass {
  #at: number | undefined;
  #from: string | undefined;
  #running = false;

  /** `batch(from)` sweeps one batch after `from` and resolves to where to go on (`undefined`: the end). */
  step(now: number, batch: (from: string | undefined) => Promise<{ next: string | undefined }>): void {
    this.#at ??= now;
    if (this.#running || (this.#from === undefined && now - this.#at < SWEEP_EVERY_MS)) return;
    this.#running = true;
    batch(this.#from)
      .then(
        ({ next }) => {
          this.#from = next;
          if (next === undefined) this.#at = now;
        },
        () => {
          this.#from = undefined;
          this.#at = now;
        },
      )
      .finally(() => (this.#running = false));
  }
}

/** How many first looks are remembered (a record forgotten is looked at twice again later). */
const MAX_SEEN = 10_000;

/**
 * Two looks before a delete. "Unused for `SWEEP_IDLE_MS`" is read on the SWEEPER's wall clock, and a tab's
 * clock can jump minutes ahead: it would then take a record just granted (Web Locks ledger) or just renewed
 * (a lease whose holder it sees as expired) for idle, and delete the record of a lock held at that moment,
 * so the holder's fenced writes are refused (`npm run chaos`, 20,000 steps, seed 3066229778, on both
 * backends). So a record is deleted only when a later pass finds it exactly as an earlier pass left it:
 * any grant or renewal in between rewrites it, whatever the clocks say. Idle records go in two passes.
 */
export class TwoLooks {
  readonly #seen = new Map<string, string>();

  /** `floor`: what `sweepable` said of `stored` now. Returns it only on the second, unchanged look. */
  decide(name: string, stored: unknown, floor: number | undefined): number | undefined {
    const record = floor === undefined ? undefined : JSON.stringify(stored);
    const before = this.#seen.get(name);
    this.#seen.delete(name);
    if (record === undefined) return undefined;
    if (before === record) return floor;
    this.#seen.set(name, record);
    if (this.#seen.size > MAX_SEEN) this.#seen.delete(this.#seen.keys().next().value!);
    return undefined;
  }
}
