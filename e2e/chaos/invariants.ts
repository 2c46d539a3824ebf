/**
 * The invariant checker: a pure function of what the run left in IndexedDB (the chaos log and the
 * fenced counters, strongly consistent across tabs) and of what surviving pages reported. Exclusion and
 * order are never inferred from timings or localStorage; times serve only invariant 8 (how long a call
 * took in its own page). Each invariant, what it means and why it holds for a correct library:
 *
 * 1. THE COUNTER CHAIN (per lock name). Every fenced write is a read-modify-write of `{ n, id }` whose
 *    intent `{ id, prev, n }` was committed before its put. Walking back from the final value through
 *    `prev` must reach the start in exactly `n` links, each link's n one less than the next: every value
 *    that landed was written over the value it read. The chain is the true serial order of landed writes.
 * 2. NO LOST UPDATE. Every write a surviving page saw succeed ('ok') is on the chain. Two writers that
 *    read the same value and both landed (two holders at once, both fenced in) leave one of them off.
 * 3. A REFUSED WRITE WROTE NOTHING. No write reported `StaleLockError` is on the chain.
 * 4. NO STALE WRITE ACCEPTED. Generations along the chain never go down: a write landing after a newer
 *    holder's write carries an older fencing token, which the store must have refused. And the writes of
 *    one generation come from one manager: one fencing token, one holder.
 * 5. WRITES COME FROM LOGGED EXCLUSIVE GRANTS. Each landed write's (name, generation, manager) matches an
 *    exclusive grant that manager logged (grants are logged before any write under them).
 * 6. ONE GENERATION, ONE EXCLUSIVE HOLDER. Two exclusive grants of the same name and generation never
 *    went to different managers (the generation goes up whenever the holder changes); shared grants may
 *    share a generation (a release hands a lease to several shared waiters at once).
 * 7. GENERATIONS NEVER GO DOWN. In each manager's own grant order, a name's generation never goes down;
 *    and the lock record's stored generation, read right after a grant, is never below that grant's.
 *    (Across managers the chain gives the order: see 4.)
 * 8. EVERY CALL SETTLES IN TIME. A lock()/withLock() call settles within min(timeout, abort delay),
 *    tryLock and steals at once, plus a grace and any time the calling page itself was paused, with the
 *    exceptions bounds.ts spells out; and no call fails with an error other than its timeout or abort.
 * 9. NOTHING LEFT HANGING. Every promise the driver started settled by the end (those of pages it
 *    closed, crashed or navigated away are settled by Playwright's rejection).
 * 10. NO PAGE PROBLEM. No console error, uncaught error or unhandled rejection in any page or worker, and
 *    no unexpected error inside an actor.
 */
import { checkBounds, type TimedCall } from './bounds.js';
import { CHAIN_START, type Counter, type GrantLog, type Intent, type WriteReport } from './types.js';

/** What every configuration's checker is given (the Redis one too: redis/invariants.ts); `I`, `W`: its intents and write reports. */
export interface RunEvidence<I extends Intent = Intent, W extends WriteReport = WriteReport> {
  readonly names: readonly string[];
  readonly intents: readonly I[];
  /** The fenced counters at the end. */
  readonly counters: Readonly<Record<string, Counter | undefined>>;
  /** Writes whose outcome a surviving actor reported. */
  readonly writes: readonly W[];
  readonly graceMs: number;
  /** Promises of the driver still pending at the end. */
  readonly unsettled: readonly string[];
  /** Actor problems and driver-side failures (and, here, page problems: fixtures' PageProblems). */
  readonly problems: readonly string[];
}

export interface Evidence extends RunEvidence {
  readonly grants: readonly GrantLog[];
  /** Calls reported by surviving pages, with how long their own page, and at most another page, was paused while they were pending. */
  readonly calls: readonly TimedCall[];
}

export interface Verdict {
  readonly violations: string[];
  /** Landed writes per name (chain lengths). */
  readonly landed: Record<string, number>;
  /** Store-bound calls late only by another page's pause (see bounds.ts). */
  readonly waitedOnPausedPage: number;
  /** Timeouts late only by another page's pause: the known library bug (see bounds.ts). */
}

export function check(e: Evidence): Verdict {
  const violations: string[] = [];
  const landed: Record<string, number> = {};
  const intents = new Map(e.intents.map((i) => [i.id, i]));
  const onChain = new Set<string>();

  for (const name of e.names) {
    const chain = walk(name, e.counters[name] ?? { n: 0, id: CHAIN_START }, intents, violations);
    landed[name] = chain.length;
    for (const link of chain) onChain.add(link.id);
    for (let k = 1; k < chain.length; k++) {
      const [before, after] = [chain[k - 1]!, chain[k]!];
      if (after.generation < before.generation) {
        violations.push(`${name}: stale write accepted: ${after.id} (${after.actor}, generation ${after.generation}) landed after ${before.id} (${before.actor}, generation ${before.generation})`);
      }
      if (after.generation === before.generation && after.owner !== before.owner) {
        violations.push(`${name}: two managers' writes landed under generation ${after.generation}: ${before.id} (${before.actor}) and ${after.id} (${after.actor})`);
      }
    }
    const exclusive = new Set(e.grants.filter((g) => g.mode === 'exclusive').map((g) => `${g.lockName}/${g.generation}/${g.owner}`));
    for (const link of chain) {
      if (!exclusive.has(`${link.lockName}/${link.generation}/${link.owner}`)) {
        violations.push(`${name}: write ${link.id} (${link.actor}) landed under generation ${link.generation} with no exclusive grant of it logged by its manager`);
      }
    }
  }

  for (const w of e.writes) {
    const on = onChain.has(w.id);
    const intent = intents.get(w.id);
    if (w.outcome === 'ok' && !on) {
      const rivals = e.intents.filter((i) => i.prev === intent?.prev && i.id !== w.id && onChain.has(i.id)).map((i) => `${i.id} (${i.actor}, generation ${i.generation})`);
      violations.push(`${w.lockName}: lost update: ${w.id} (${intent?.actor}, generation ${intent?.generation}) was accepted but is not on the chain; landed instead on the same value: ${rivals.join(', ') || 'none'}`);
    }
    if (w.outcome === 'StaleLockError' && on) violations.push(`${w.lockName}: write ${w.id} was refused (StaleLockError) but landed`);
    if (w.outcome !== 'ok' && w.outcome !== 'StaleLockError') violations.push(`${w.lockName}: write ${w.id} failed unexpectedly: ${w.outcome}`);
  }

  checkGrants(e.grants, violations);

  for (const c of e.calls) if (c.outcome === 'error') violations.push(`${c.actor} ${c.call}("${c.name}", ${c.mode}) failed unexpectedly: ${c.error}`);
  const bounds = checkBounds(e.calls, e.graceMs);
  violations.push(...bounds.violations);

  for (const u of e.unsettled) violations.push(`never settled: ${u}`);
  violations.push(...e.problems);
  return { violations, landed, waitedOnPausedPage: bounds.waitedOnPausedPage };
}

/**
 * The chain of landed writes of `name`, oldest first, from its final value back to the start (every
 * configuration's: redis/chain.ts too). Violations name the lock as `shown.name` and a value with no
 * intent as having `shown.noIntent`.
 */
export function walk<I extends Intent>(name: string, final: Counter, intents: ReadonlyMap<string, I>, violations: string[], shown = { name, noIntent: 'no logged intent' }): I[] {
  const chain: I[] = [];
  let { id, n } = final;
  while (id !== CHAIN_START) {
    const link = intents.get(id);
    if (!link) {
      violations.push(`${shown.name}: value ${id} (n = ${n}) has ${shown.noIntent}`);
      return chain.reverse();
    }
    if (link.lockName !== name) violations.push(`${shown.name}: value ${id} was written as a counter of "${link.lockName}"`);
    if (link.n !== n) violations.push(`${shown.name}: value ${id} has n = ${link.n} where the chain expects ${n}`);
    if (chain.length > intents.size) {
      violations.push(`${shown.name}: the chain loops at ${id}`);
      return chain.reverse();
    }
    chain.push(link);
    id = link.prev;
    n--;
  }
  if (n !== 0) violations.push(`${shown.name}: the chain reached the start with ${chain.length} writes, but the final value counts ${final.n}`);
  return chain.reverse();
}

function checkGrants(grants: readonly GrantLog[], violations: string[]): void {
  const exclusiveOwner = new Map<string, GrantLog>();
  const lastOf = new Map<string, GrantLog>();
  for (const g of [...grants].sort((a, b) => a.seq - b.seq)) {
    if (g.mode === 'exclusive') {
      const key = `${g.lockName}/${g.generation}`;
      const other = exclusiveOwner.get(key);
      if (other && other.owner !== g.owner) {
        violations.push(`${g.lockName}: generation ${g.generation} granted exclusively to two managers: ${other.actor} and ${g.actor}`);
      }
      exclusiveOwner.set(key, g);
    }
    const mine = `${g.owner}/${g.lockName}`;
    const last = lastOf.get(mine);
    if (last && g.generation < last.generation) {
      violations.push(`${g.lockName}: generation went down for ${g.actor}: grant #${g.seq} has ${g.generation} after grant #${last.seq} had ${last.generation}`);
    }
    lastOf.set(mine, g);
    if (g.stored === null) violations.push(`${g.lockName}: no stored record right after ${g.actor}'s grant #${g.seq} (generation ${g.generation})`);
    else if (g.stored < g.generation) violations.push(`${g.lockName}: stored generation ${g.stored} below ${g.actor}'s grant #${g.seq} (generation ${g.generation}) right after it`);
  }
}
