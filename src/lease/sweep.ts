/**
 * Sweeping idle records, shared by every backend that keeps one record per lock name (leases, and the
 * Web Locks generation ledger): which records may go, how often a pass runs, and how big a step is.
 *
 * INVARIANT: a swept name never repeats a generation. The store deletes a record and raises its
 * generation high-water mark over it in one atomic step, and a new record starts above that mark
 * (`freshRecord`), so a guard of the swept record can never match the name's next generation.
 */
import { normalise, type Normalised } from './record.js';

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
 */
export function sweepable(stored: unknown, now: number, idleMs: number): number | undefined {
  let normalised: Normalised;
  try {
    normalised = normalise(stored, now, new Set());
  } catch {
    return undefined;
  }
  const { record } = normalised;
  return record.holders.length === 0 && record.queue.length === 0 && now - record.used >= idleMs ? record.generation : undefined;
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
