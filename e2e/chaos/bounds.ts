/**
 * Invariant 8, every call settles in time, with its two exceptions spelled out.
 *
 * A `lock()`/`withLock()` call must settle within min(timeout, abort delay), and `tryLock()`, a steal
 * or `timeout: 0` at once, plus `graceMs` (a loaded 2-core machine) plus any time its own page was
 * paused (a paused page runs no timer). Being late beyond that is a violation, except:
 *
 * - STORE-BOUND calls: `tryLock()`, a steal, `timeout: 0`, and grants (a checked grant writes its
 *   generation in IndexedDB before it is handed out) cannot finish without a transaction on the lock
 *   store. A paused page may be paused INSIDE a transaction on that store, which then stays open, and
 *   every later transaction on the store waits for it. Lateness within the longest pause of another
 *   page meanwhile is excused (counted as `waitedOnPausedPage`).
 *
 * A waiting call that gives up on its timeout needs no store, so it gets no such excuse: the timeout
 * fires on time and the holders' names in its message are best-effort within a short budget
 * (TIMEOUT_DECORATION_MS in src/core/manager.ts; issue 11 item 7). Nor does an abort.
 */
import type { CallReport } from './types.js';

export type TimedCall = CallReport & { readonly actor: string; readonly pausedMs: number; readonly othersPausedMs: number };

export interface BoundsVerdict {
  readonly violations: string[];
  readonly waitedOnPausedPage: number;
}

export function checkBounds(calls: readonly TimedCall[], graceMs: number): BoundsVerdict {
  const violations: string[] = [];
  let waitedOnPausedPage = 0;
  for (const c of calls) {
    const immediate = c.call === 'tryLock' || c.call === 'steal';
    const bound = immediate ? 0 : Math.min(c.timeout, c.abortAfter ?? Infinity);
    const took = c.settledAt - c.requestedAt;
    const late = took - bound - graceMs - c.pausedMs;
    if (late <= 0) continue;
    const storeBound = immediate || c.timeout === 0 || c.outcome === 'granted' || c.outcome === 'null';
    const limit = immediate ? 'at once' : `timeout ${c.timeout}${c.abortAfter === undefined ? '' : `, abort after ${c.abortAfter}`}`;
    const line = `${c.actor} ${c.call}("${c.name}", ${c.mode}, ${limit}) settled (${c.outcome}) after ${Math.round(took)} ms: over its bound + ${graceMs} ms grace${
      c.pausedMs ? ` + ${Math.round(c.pausedMs)} ms its page was paused` : ''
    }${c.othersPausedMs ? `; another page was paused ${Math.round(c.othersPausedMs)} ms meanwhile` : ''}`;
    if (storeBound && late <= c.othersPausedMs) waitedOnPausedPage++;
    else violations.push(line);
  }
  return { violations, waitedOnPausedPage };
}
