/**
 * Invariant 3 of the Redis chaos run (invariants.ts): fenced writes, a pure function of the intents the
 * processes sent BEFORE each put (types.ts `Intent`), the outcomes they reported, the counters left in
 * Redis at the end, the exclusive grants (holds) and the server's EMPTY restarts (which lose the counters:
 * a chain then starts again from `start`). The idea is e2e/chaos/invariants.ts's (whose `walk` gives
 * the final chains), adapted to a store that may lose everything:
 *
 * - LANDED: a write is known to have landed when it was accepted ('ok'), when a later write read it (its
 *   id is that write's `prev`), or when it is the final value. Timestamps are on one monotonic clock;
 *   `putSentAt` is taken before the put was sent, so "after it" is never claimed too early.
 * - THE FINAL CHAIN: from each final counter back through `prev`, every value has an intent, of this
 *   counter, its `n` one less per link, down to `start`.
 * - NO LOST UPDATE: two landed writes never read the same value (`prev`), except `start` read again after
 *   an empty restart between the first's put and the second's read; and an accepted write after which
 *   Redis was never restarted empty is on the final chain.
 * - NO STALE WRITE ACCEPTED: a landed write never read a value of a higher generation, nor one of the same
 *   generation written by another manager; no refused write (StaleLockError) landed; and no write was
 *   accepted whose put was sent after an exclusive grant of a higher generation of that name had been
 *   handed out (Redis had that generation before it handed it out, so the store had to refuse).
 */
import { walk, type RunEvidence } from '../invariants.js';
import { CHAIN_START } from '../types.js';
import type { Hold, Intent, Outage, WriteReport } from './types.js';

export interface ChainEvidence extends Pick<RunEvidence<Intent, WriteReport>, 'names' | 'intents' | 'writes' | 'counters'> {
  readonly holds: readonly Hold[];
  readonly outages: readonly Outage[];
}

const who = (i: Intent | undefined, id: string): string => (i ? `${id} (${i.actor}, generation ${i.generation})` : id);

/** Checks the fenced writes; returns the length of each final chain. */
export function checkChains(e: ChainEvidence, violations: string[]): Record<string, number> {
  const intents = new Map(e.intents.map((i) => [i.id, i]));
  const outcome = new Map(e.writes.filter((w) => w.id !== '').map((w) => [w.id, w.outcome]));
  const wipes = e.outages.filter((o) => o.empty).map((o) => o.from);
  const wipedBetween = (from: number, to: number): boolean => wipes.some((k) => k > from && k < to);

  const landed = new Set<string>([...outcome].filter(([, o]) => o === 'ok').map(([id]) => id));
  for (const i of e.intents) if (i.prev !== CHAIN_START) landed.add(i.prev);
  const final = new Map<string, Set<string>>();
  const lengths: Record<string, number> = {};
  for (const name of e.names) {
    const chain = walk(name, e.counters[name] ?? { n: 0, id: CHAIN_START }, intents, violations, { name: `"${name}"`, noIntent: 'no intent' }).map((w) => w.id);
    lengths[name] = chain.length;
    final.set(name, new Set(chain));
    for (const id of chain) landed.add(id);
  }

  const byPrev = new Map<string, Intent[]>();
  for (const id of landed) {
    const w = intents.get(id);
    if (!w) continue; // reported by walk()
    if (outcome.get(id) === 'StaleLockError') violations.push(`"${w.lockName}": write ${who(w, id)} was refused (StaleLockError) but landed`);
    const key = `${w.lockName}\u0000${w.prev}`;
    byPrev.set(key, [...(byPrev.get(key) ?? []), w]);
    if (w.prev === CHAIN_START) continue;
    const read = intents.get(w.prev);
    if (!read) violations.push(`"${w.lockName}": write ${who(w, id)} read ${w.prev}, a value with no intent`);
    else if (read.generation > w.generation) violations.push(`"${w.lockName}": stale write accepted: ${who(w, id)} landed over ${who(read, read.id)}`);
    else if (read.generation === w.generation && read.owner !== w.owner) violations.push(`"${w.lockName}": two managers' writes landed under generation ${w.generation}: ${who(read, read.id)} and ${who(w, id)}`);
  }

  for (const same of byPrev.values()) {
    if (same.length < 2) continue;
    const { lockName, prev } = same[0]!;
    if (prev !== CHAIN_START) {
      violations.push(`"${lockName}": lost update: ${same.map((w) => who(w, w.id)).join(' and ')} all read ${prev} and all landed`);
      continue;
    }
    const ordered = [...same].sort((a, b) => a.putSentAt - b.putSentAt);
    for (let k = 1; k < ordered.length; k++) {
      const [a, b] = [ordered[k - 1]!, ordered[k]!];
      if (!wipedBetween(a.putSentAt, b.readAnsweredAt)) violations.push(`"${lockName}": lost update: ${who(a, a.id)} and ${who(b, b.id)} both started the counter, with no empty restart of Redis in between`);
    }
  }

  const newest = newestGrants(e.holds);
  for (const [id, o] of outcome) {
    const w = intents.get(id);
    if (o !== 'ok' || !w) continue;
    if (!wipedBetween(w.putSentAt, Infinity) && !final.get(w.lockName)?.has(id)) {
      violations.push(`"${w.lockName}": lost update: ${who(w, id)} was accepted, Redis was never restarted empty after it, yet it is not on the final chain`);
    }
    const newer = newest(w.lockName, w.putSentAt);
    if (newer && newer.generation > w.generation) {
      violations.push(`"${w.lockName}": stale write accepted: ${who(w, id)} was sent ${Math.round(w.putSentAt - newer.grantedAt)} ms after ${newer.actor} was handed generation ${newer.generation}`);
    }
  }
  return lengths;
}

/** The exclusive grant of the highest generation handed out before a time, per name. */
function newestGrants(holds: readonly Hold[]): (name: string, before: number) => Hold | undefined {
  const byName = new Map<string, { at: number[]; best: Hold[] }>();
  for (const h of [...holds].filter((x) => x.mode === 'exclusive').sort((a, b) => a.grantedAt - b.grantedAt)) {
    const entry = byName.get(h.name) ?? { at: [], best: [] };
    const last = entry.best.at(-1);
    entry.at.push(h.grantedAt);
    entry.best.push(last && last.generation >= h.generation ? last : h);
    byName.set(h.name, entry);
  }
  return (name, before) => {
    const entry = byName.get(name);
    if (!entry) return undefined;
    let [lo, hi] = [0, entry.at.length];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (entry.at[mid]! < before) lo = mid + 1;
      else hi = mid;
    }
    return lo > 0 ? entry.best[lo - 1] : undefined;
  };
}
