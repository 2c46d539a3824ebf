/**
 * The Redis chaos run's checker: a pure function of what the processes reported over IPC (holds,
 * intents, call and write outcomes), of the counters read from Redis at the end, and of what the driver
 * did (process stops, server outages), all timed on one machine-wide monotonic clock (types.ts).
 *
 * 1. MUTUAL EXCLUSION as the holders saw it, and 2. GENERATIONS: exclusion.ts.
 * 3. FENCED WRITES: no lost update, no stale write accepted, no refused write landed: chain.ts.
 * 4. EVERY CALL SETTLES IN TIME: a lock()/withLock() within min(timeout, abort delay), tryLock() and
 *    `timeout: 0` at once, plus `graceMs`, plus the time its own process was stopped. A call that needs
 *    Redis to answer (tryLock, `timeout: 0`, a grant, an 'unavailable' answer) may also be late by up to
 *    its overlap with a Redis outage widened by OUTAGE_TAIL_MS (counted as `excusedByOutage`).
 * 5. EXPECTED OUTCOMES ONLY: a call ends granted, null, timed out, aborted, lost at hand-out (`timeout:
 *    0`), or StorageError('unavailable'); a write ok, StaleLockError or 'unavailable'; and 'unavailable'
 *    only within an outage (widened the same way). Nothing else, and no problem inside a process (an
 *    unexpected error, an unhandled rejection, a process that exited on its own).
 * 6. NOTHING LEFT HANGING: every promise the driver started settled.
 */
import type { RunEvidence } from '../invariants.js';
import { checkChains, type ChainEvidence } from './chain.js';
import { checkGenerations, describeOverlap, overlaps, type Overlap } from './exclusion.js';
import { CHILD_COMMAND_TIMEOUT_MS, type CallReport, type Intent, type Stop, type WriteReport } from './types.js';

/**
 * How long an outage's effects last after it ends: clients reconnect on node-redis's backoff (at most
 * 2 s + 200 ms of jitter), then a call may still wait out a command that was already sent (three
 * commands of CHILD_COMMAND_TIMEOUT_MS: a script load, a read, a compare-and-set).
 */
export const OUTAGE_TAIL_MS = 2200 + 3 * CHILD_COMMAND_TIMEOUT_MS;

export type TimedCall = CallReport & { readonly actor: string };

/** The shared evidence (../invariants.ts `RunEvidence`), the holds and outages chain.ts also reads, the calls and the stops. */
export interface RedisEvidence extends RunEvidence<Intent, WriteReport>, ChainEvidence {
  readonly calls: readonly TimedCall[];
  readonly stops: readonly Stop[];
}

export interface RedisVerdict {
  readonly violations: string[];
  readonly overlaps: Overlap[];
  /** Final chain length per name. */
  readonly landed: Record<string, number>;
  readonly excusedByOutage: number;
}

const overlap = (windows: ReadonlyArray<{ from: number; to: number }>, from: number, to: number): number =>
  windows.reduce((sum, w) => sum + Math.max(0, Math.min(w.to, to) - Math.max(w.from, from)), 0);

export function check(e: RedisEvidence): RedisVerdict {
  const violations: string[] = [];
  const found = overlaps(e.holds, e.outages);
  violations.push(...found.map((o) => `mutual exclusion: ${describeOverlap(o)}`));
  checkGenerations(e.holds, violations);
  const landed = checkChains(e, violations);
  const outageTails = e.outages.map((o) => ({ from: o.from, to: o.to + OUTAGE_TAIL_MS }));
  const inOutage = (from: number, to: number): boolean => overlap(outageTails, from, to) > 0 || outageTails.some((w) => w.from <= from && to <= w.to);

  let excusedByOutage = 0;
  for (const c of e.calls) {
    const label = `${c.actor} ${c.call}("${c.name}", ${c.mode}, ${c.call === 'tryLock' ? 'at once' : `timeout ${c.timeout}${c.abortAfter === undefined ? '' : `, abort after ${c.abortAfter}`}`})`;
    if (c.outcome === 'error') violations.push(`${label} failed unexpectedly: ${c.error}`);
    if (c.outcome === 'unavailable' && !inOutage(c.requestedAt, c.settledAt)) violations.push(`${label} failed with Redis up: ${c.error}`);
    const immediate = c.call === 'tryLock' || c.timeout === 0;
    const bound = immediate ? 0 : Math.min(c.timeout, c.abortAfter ?? Infinity);
    const took = c.settledAt - c.requestedAt;
    const stopped = overlap(e.stops.filter((s) => s.actor === c.actor), c.requestedAt, c.settledAt);
    const late = took - bound - e.graceMs - stopped;
    if (late <= 0) continue;
    const needsRedis = immediate || c.outcome === 'granted' || c.outcome === 'unavailable';
    if (needsRedis && late <= overlap(outageTails, c.requestedAt, c.settledAt)) {
      excusedByOutage++;
      continue;
    }
    violations.push(`${label} settled (${c.outcome}) after ${Math.round(took)} ms: over its bound + ${e.graceMs} ms grace${stopped ? ` + ${Math.round(stopped)} ms its process was stopped` : ''}`);
  }

  const intents = new Map(e.intents.map((i) => [i.id, i]));
  for (const w of e.writes) {
    if (w.outcome === 'ok' || w.outcome === 'StaleLockError') continue;
    const started = intents.get(w.id)?.readSentAt ?? w.settledAt;
    const label = `"${w.lockName}": write ${w.id || '(not sent: its read failed)'}`;
    if (w.outcome === 'unavailable' || w.outcome === 'read unavailable') {
      if (!inOutage(started, w.settledAt)) violations.push(`${label} failed with Redis up (StorageError unavailable)`);
    } else violations.push(`${label} failed unexpectedly: ${w.outcome}`);
  }

  for (const u of e.unsettled) violations.push(`never settled: ${u}`);
  violations.push(...e.problems);
  return { violations, overlaps: found, landed, excusedByOutage };
}
