/**
 * Invariants 1 and 2 of the Redis chaos run (invariants.ts), pure functions of the holds the processes
 * reported (types.ts `Hold`), all on one machine-wide monotonic clock:
 *
 * 1. MUTUAL EXCLUSION, as the holders saw it: there is no moment at which two guards of one name, one of
 *    them exclusive, both read `guard.signal.aborted === false`. A hold counts over `[firstT2, lastT1]`,
 *    the end of its first "not aborted" read to the start of its last one, so an overlap found is an
 *    overlap that happened (each bound is taken on the side that makes the interval shorter). A stopped
 *    process reads nothing, so it believes nothing while stopped; a holder's belief ends at its release.
 * 2. GENERATIONS: two exclusive grants of one name and one generation went to one manager (the
 *    generation goes up whenever the holder changes: lease/decide.ts); and no exclusive holder reads "not
 *    aborted" for the first time under a generation below one whose holder already had (`firstT1` after
 *    the other's `firstT2`): a newer grant means the older one's lease had ended, and its holder must be
 *    told before it acts, through any restart of Redis (empty or not).
 */
import type { Hold, Outage } from './types.js';

export interface Overlap {
  readonly name: string;
  /** The hold that began first, and the one that began while it still read "not aborted". */
  readonly first: Hold;
  readonly second: Hold;
  readonly from: number;
  readonly to: number;
  /** The server events from the first hold's grant to the overlap's start. */
  readonly during: readonly Outage[];
}

/** Sub-10 ms figures keep a decimal: an overlap of 0.3 ms is still one. */
const ms = (x: number): string => `${Math.abs(x) < 10 ? x.toFixed(1) : Math.round(x)} ms`;
const mode = (h: Hold): string => `${h.mode}, generation ${h.generation}`;

/** Every overlap of a hold with an earlier one of the same name, one of them exclusive. */
export function overlaps(holds: readonly Hold[], outages: readonly Outage[]): Overlap[] {
  const found: Overlap[] = [];
  const byName = new Map<string, Hold[]>();
  for (const h of holds) {
    if (h.firstT2 === undefined || h.lastT1 === undefined || h.lastT1 <= h.firstT2) continue;
    byName.set(h.name, [...(byName.get(h.name) ?? []), h]);
  }
  for (const [name, list] of byName) {
    list.sort((a, b) => a.firstT2! - b.firstT2!);
    let active: Hold[] = [];
    for (const h of list) {
      active = active.filter((a) => a.lastT1! > h.firstT2!);
      for (const a of active) {
        if (a.mode === 'shared' && h.mode === 'shared') continue;
        const from = h.firstT2!;
        const during = outages.filter((o) => o.to > a.grantedAt && o.from < from);
        found.push({ name, first: a, second: h, from, to: Math.min(a.lastT1!, h.lastT1!), during });
      }
      active.push(h);
    }
  }
  return found;
}

export function describeOverlap(o: Overlap): string {
  const { first: a, second: b } = o;
  const told = a.lostKind ? `, then was told ${a.lostKind} ${ms(a.lostAt! - b.firstT2!)} into it` : a.releasedAt !== undefined ? ', then released' : '';
  const events = o.during.map((e) => `${e.kind}${e.empty ? ' (restarted EMPTY)' : ''} at step #${e.step}, from ${ms(o.from - e.from)} to ${ms(o.from - e.to)} before`);
  const context = `; Redis events since ${a.actor}'s grant: ${events.join('; ') || 'none'}`;
  return (
    `"${o.name}": ${a.actor} (${mode(a)}) and ${b.actor} (${mode(b)}) both read guard.signal.aborted === false over the same ${ms(o.to - o.from)}: ` +
    `${b.actor} was granted ${ms(b.grantedAt - a.grantedAt)} after ${a.actor}, whose reads still said "not aborted" ${ms(a.lastT1! - b.firstT2!)} into ${b.actor}'s hold${told}${context}`
  );
}

export function checkGenerations(holds: readonly Hold[], violations: string[]): void {
  const byName = new Map<string, Hold[]>();
  for (const h of holds) if (h.mode === 'exclusive') byName.set(h.name, [...(byName.get(h.name) ?? []), h]);
  for (const [name, list] of byName) {
    const ownerOf = new Map<number, Hold>();
    for (const h of list) {
      const other = ownerOf.get(h.generation);
      if (other && other.owner !== h.owner) violations.push(`"${name}": generation ${h.generation} granted exclusively to two managers: ${other.actor} and ${h.actor}`);
      ownerOf.set(h.generation, h);
    }
    // Sorted by the end of the first "not aborted" read; prefix maxima of the generation.
    const live = list.filter((h) => h.firstT1 !== undefined).sort((a, b) => a.firstT2! - b.firstT2!);
    const best: Hold[] = [];
    for (const h of live) best.push(best.length && best.at(-1)!.generation >= h.generation ? best.at(-1)! : h);
    for (const h of live) {
      // The holds whose first read had certainly ended before h's began.
      let lo = 0;
      let hi = live.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (live[mid]!.firstT2! < h.firstT1!) lo = mid + 1;
        else hi = mid;
      }
      const newer = lo > 0 ? best[lo - 1]! : undefined;
      if (newer && newer.generation > h.generation) {
        violations.push(
          `"${name}": generation went back: ${h.actor} first read "not aborted" under generation ${h.generation}, ${ms(h.firstT1! - newer.firstT2!)} after ${newer.actor} had under generation ${newer.generation}`,
        );
      }
    }
  }
}
