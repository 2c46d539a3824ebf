/**
 * The lease rule, as one pure function: given the stored record, the time, who asks and what for, say
 * what happens and what to write. Every store runs it inside ONE atomic read-decide-write of the record
 * (IndexedDB: one readwrite transaction; see `LeaseStore`), so two tabs can never both be told "take".
 *
 * Grant order is the Web Locks spec's (https://w3c.github.io/web-locks/#algorithms), with the queue
 * kept in the record so it holds across tabs:
 * - exclusive: granted when nothing live is held and no live request is queued ahead of it;
 * - shared: granted when no live exclusive is held and every live request ahead of it is shared
 *   (consecutive shared requests are granted together; a queued exclusive one blocks later shared
 *   ones, so writers are not starved);
 * - `acquire` (tryLock, timeout 0) is granted only when the queue is empty, and never joins it;
 * - `wait` joins the queue (or refreshes its place) when refused; waiters refresh their entry like
 *   holders renew theirs, so a dead waiter's place lapses after one lease.
 *
 * - `steal` (exclusive, never waits) takes the lock from every holder at once, as the Web Locks spec's
 *   `steal` does; the queue is kept. The robbed holders are told by message, or at their next renewal.
 * - `release` hands the lock over directly: in the same transaction, the requests first in the stored
 *   queue that the remaining holders allow (one exclusive, or every shared one at the head) become
 *   holders (`promoted`), and the releaser tells them by message. A promoted request that asks again
 *   (the message was lost) finds itself holding and is told `take`. A promoted request whose tab died
 *   holds until its lease lapses, as any holder would.
 *
 * Generation (the fencing token): goes up by one whenever the lock is granted EXCLUSIVELY to an owner
 * other than the last one to take it exclusively; the same owner taking it again keeps it. Shared
 * grants never move it: readers change nothing, so a writer after readers is not poisoned, and of two
 * readers neither fences the other out (fenced writes need an exclusive guard anyway).
 *
 * Each entry carries its own lease length (see record.ts): a granted or refreshed entry expires at
 * `now + its lease`; a request promoted by a release gets a full lease of ITS OWN length.
 *
 * After a loss of records (`quietUntil`: a Redis restarted empty, flushed or evicted): a holder granted
 * before the loss has no entry any more, yet may hold for up to its lease. So until every such lease has
 * ended by its holder's own deadline (the store says when: the loss's time + the longest lease), nothing
 * is granted: no `take` (requests keep or take their places, `retryAt` is the window's end) and no
 * promotion at a release. Renewals find no entry (`lost`: the old holders are told); a request already
 * holding (a record that survived) is told `take` as always; a steal takes the lock as always (it takes
 * it from live holders by design, and theirs are told at their next renewal).
 */
import type { LockMode } from '../core/types.js';
import { normalise, RECORD_VERSION, type Dead, type Entry, type LeaseRecord } from './record.js';

export type Intent = 'acquire' | 'wait' | 'renew' | 'release' | 'steal';

export interface DecideInput {
  readonly now: number;
  /** The asker's lease length in ms: its entry expires at `now + lease`. */
  readonly lease: number;
  readonly owner: string;
  readonly token: string;
  readonly mode: LockMode;
  readonly intent: Intent;
  /** Grants known to be gone (their tab said so while unloading): token → that tab's owner id. */
  readonly dead?: Dead;
  /** The store's generation high-water mark (swept records): a new record starts above it. */
  readonly floor?: number;
  /**
   * No grant before this time (store time, ms): the store lost its records (a Redis restarted empty, its
   * data flushed or evicted) and a lease granted before the loss may still be live without a trace in
   * the store. Until then nothing is taken or promoted; requests keep their places; renewals, releases
   * and steals work as always. `undefined`: no such window (the store cannot lose records unnoticed).
   */
  readonly quietUntil?: number;
}

export type Verdict = 'take' | 'extend' | 'refuse' | 'lost' | 'released';

export interface Decision {
  /** take: granted now. extend: lease renewed. refuse: not now. lost: renew found no lease. released: gone. */
  readonly verdict: Verdict;
  /** The record to write back, or `null` when storage already says the same. */
  readonly write: LeaseRecord | null;
  /** The record as it is after this decision (what `write` would store). */
  readonly record: LeaseRecord;
  /** Whether this decision raised the generation (an exclusive grant to a new owner). */
  readonly generationUp: boolean;
  /** On refuse: the earliest expiry among the entries in the way, when it is worth trying again. */
  readonly retryAt: number | undefined;
  /** On release: the queued requests that now hold the lock (direct handoff). */
  readonly promoted: readonly Entry[];
  /** The stored value was a broken record and was replaced (the manager reports it). */
  readonly corrupt: boolean;
  /** On steal: the holders it took the lock from (they are told by message, or at their next renewal). */
  readonly stolen: readonly Entry[];
}

const NO_DEAD: Dead = new Map();

/** The record after granting `granted` (entries already carrying their new expiry) at `now`. */
function granting(record: LeaseRecord, granted: readonly Entry[], now: number, rest: Pick<LeaseRecord, 'holders' | 'queue'>): { next: LeaseRecord; generationUp: boolean } {
  let { generation, lastOwner } = record;
  let generationUp = false;
  for (const e of granted) {
    if (e.mode !== 'exclusive') continue;
    if (e.owner !== lastOwner) {
      generation += 1;
      generationUp = true;
    }
    lastOwner = e.owner;
  }
  return { next: { v: RECORD_VERSION, generation, lastOwner, used: now, holders: [...rest.holders, ...granted], queue: rest.queue }, generationUp };
}

export function decide(stored: unknown, input: DecideInput): Decision {
  const { now, lease, owner, token, mode, intent } = input;
  // Inside the window after a loss of records: nothing is granted (see `DecideInput.quietUntil`).
  const quiet = input.quietUntil !== undefined && now < input.quietUntil;
  const { record, changed, corrupt } = normalise(stored, now, input.dead ?? NO_DEAD, input.floor ?? 0);
  const answer = (verdict: Verdict, next: LeaseRecord, dirty: boolean, extra: Partial<Decision> = {}): Decision => ({
    verdict,
    write: dirty ? next : null,
    record: next,
    generationUp: false,
    retryAt: undefined,
    promoted: [],
    corrupt,
    stolen: [],
    ...extra,
  });
  const mine = (e: Entry): boolean => e.token === token;
  const renewed = (e: Entry): Entry => (mine(e) ? { ...e, expires: now + lease, lease } : e);

  if (intent === 'release') {
    const holders = record.holders.filter((e) => !mine(e));
    const queue = record.queue.filter((e) => !mine(e));
    const gone = holders.length !== record.holders.length || queue.length !== record.queue.length;
    const promoted = gone && !quiet ? grantableHead(holders, queue).map((e) => ({ ...e, expires: now + e.lease })) : [];
    if (promoted.length === 0) return answer('released', { ...record, holders, queue }, changed || gone);
    const { next, generationUp } = granting(record, promoted, now, { holders, queue: queue.slice(promoted.length) });
    return answer('released', next, true, { promoted, generationUp });
  }

  if (intent === 'steal') {
    // The Web Locks spec's steal (exclusive only): every holder loses the lock at once, live or not, and
    // the asker holds it; the queue stays as it is (behind the thief). Generations count a change of
    // owner as always; a holder robbed by its own manager is fenced out by its token (FencedStore checks it).
    const entry: Entry = { owner, token, mode: 'exclusive', expires: now + lease, lease };
    const { next, generationUp } = granting(record, [entry], now, { holders: [], queue: record.queue.filter((e) => !mine(e)) });
    return answer('take', next, true, { generationUp, stolen: record.holders.filter((e) => !mine(e)) });
  }

  if (intent === 'renew') {
    if (!record.holders.some(mine)) return answer('lost', record, changed);
    return answer('extend', { ...record, holders: record.holders.map(renewed) }, true);
  }

  // Already holding: handed over by a release (the asker confirms a handoff message, or its message did not
  // arrive). With at least half of its lease left the record is kept as it is (a confirmation is one read:
  // the grant's deadlines come from the stored expiry, holders.ts); with less it is renewed here.
  const held = record.holders.find(mine);
  if (held) {
    const queue = record.queue.filter((e) => !mine(e));
    if (held.expires - now >= held.lease / 2 && queue.length === record.queue.length) return answer('take', record, changed);
    return answer('take', { ...record, holders: record.holders.map(renewed), queue }, true);
  }

  const at = record.queue.findIndex(mine);
  const ahead = at >= 0 ? record.queue.slice(0, at) : record.queue;
  const queue = record.queue.filter((e) => !mine(e));
  const heldOk = mode === 'exclusive' ? record.holders.length === 0 : record.holders.every((h) => h.mode === 'shared');
  const aheadOk =
    intent === 'acquire' ? record.queue.length === 0 : mode === 'exclusive' ? ahead.length === 0 : ahead.every((e) => e.mode === 'shared');
  const entry: Entry = { owner, token, mode, expires: now + lease, lease };

  if (heldOk && aheadOk && !quiet) {
    const { next, generationUp } = granting(record, [entry], now, { holders: record.holders, queue });
    return answer('take', next, true, { generationUp });
  }

  const blocking = [...record.holders, ...(intent === 'acquire' ? record.queue : ahead)];
  const retryAt = quiet ? input.quietUntil : blocking.length > 0 ? Math.min(...blocking.map((e) => e.expires)) : undefined;
  if (intent === 'acquire') return answer('refuse', record, changed, { retryAt });
  // wait: keep (or take) a place in the queue, refreshed to a full lease.
  const placed = at >= 0 ? record.queue.map((e) => (mine(e) ? entry : e)) : [...record.queue, entry];
  return answer('refuse', { ...record, queue: placed }, true, { retryAt });
}

/** The requests at the head of the queue that the holders allow in: one exclusive, or every leading shared one. */
function grantableHead(holders: readonly Entry[], queue: readonly Entry[]): Entry[] {
  const first = queue[0];
  if (!first) return [];
  if (first.mode === 'exclusive') return holders.length === 0 ? [first] : [];
  if (holders.some((h) => h.mode === 'exclusive')) return [];
  const shared: Entry[] = [];
  for (const e of queue) {
    if (e.mode !== 'shared') break;
    shared.push(e);
  }
  return shared;
}
