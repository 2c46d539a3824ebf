/**
 * Who leads, as one election sees it: a pure fold of announcements and lock checks, so it is tested
 * directly (view.test.ts). Times are the OBSERVER's monotonic clock (`performance.now()`), never the
 * sender's wall clock: a leader's clock jumping cannot make it look fresh or stale.
 *
 * INVARIANTS
 * - terms never go back: a beat of a lower term than the leader we know is ignored (a late message of a
 *   replaced leader never names it again);
 * - `gone` ends only the leadership it names (client and term): a late `gone` of an earlier term never
 *   clears a newer leader;
 * - a leader whose beats stopped is dropped only when the lock is seen free (`checked(free: true)`): a
 *   frozen leader still holds its lock, and is still the leader until someone takes over.
 */
import type { LeaderMessage } from './messages.js';

export interface LeaderInfo {
  /** The `clientId` of the leading election's manager. */
  readonly clientId: string;
  /** The leadership's term: the lock's generation when it was granted (the fencing token). */
  readonly term: number;
  /** Wall-clock ms (the leader's clock) when this leadership began. Informational. */
  readonly since: number;
}

export interface View {
  readonly leader: LeaderInfo | null;
  /** Observer-monotonic ms of the last sign of life of `leader` (a beat, or the takeover being seen). */
  readonly beatAt: number;
}

export const EMPTY_VIEW: View = { leader: null, beatAt: -Infinity };

export function observe(view: View, message: LeaderMessage, now: number): View {
  const current = view.leader;
  if (message.t === 'ask' || message.t === 'visible') return view;
  if (message.t === 'gone') {
    return current && current.clientId === message.clientId && current.term === message.term ? { leader: null, beatAt: view.beatAt } : view;
  }
  if (current && message.term < current.term) return view;
  const same = current && current.clientId === message.clientId && current.term === message.term;
  return { leader: same ? current : { clientId: message.clientId, term: message.term, since: message.since }, beatAt: now };
}

/** The lock was checked: `free` when nobody holds it. A free lock means nobody leads, whatever was announced. */
export function checked(view: View, free: boolean): View {
  return free && view.leader ? { leader: null, beatAt: view.beatAt } : view;
}

/** Whether two views name the same leadership (a `change` event fires when they do not). */
export function sameLeader(a: LeaderInfo | null, b: LeaderInfo | null): boolean {
  return a === b || (!!a && !!b && a.clientId === b.clientId && a.term === b.term);
}
