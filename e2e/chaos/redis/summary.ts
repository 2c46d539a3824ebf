/**
 * What one Redis chaos run did, counted, and how it is printed (the browser configurations' summary is
 * e2e/chaos/summary.ts, whose lock counters, last lines and replay command this one shares): every
 * counter, the mutual-exclusion overlaps with their figures, the violations (which must be 0), the seed
 * and the replay command.
 */
import { kinds, storeRefusalLines, tallyLocks, verdictLines } from '../summary.js';
import type { Overlap } from './exclusion.js';
import type { ActReport } from './types.js';

export interface RedisSummary {
  config: 'redis';
  seed: number;
  without: string[];
  concurrency: number;
  graceMs: number;
  actions: number;
  processes: number;
  granted: number;
  tryLockNulls: number;
  timeouts: number;
  aborts: number;
  /** `timeout: 0` granted but lost before it could be handed out. */
  lostAtHandOut: number;
  /** Calls that failed with StorageError('unavailable') during an outage. */
  unavailable: number;
  releases: number;
  releasesUnavailable: number;
  kills: number;
  stops: number;
  stoppedMs: number;
  crashes: number;
  /** Restarts with the data (`SHUTDOWN SAVE`), and those that fell back to SIGKILL (then empty). */
  restarts: number;
  restartsKilled: number;
  pauses: number;
  pausedMs: number;
  holds: { total: number; reads: number };
  writes: { tried: number; ok: number; refused: number; refusedBySignal: number; refusedByStore: number; unavailable: number; readUnavailable: number; onFinalChains: number; unknown: number };
  storeRefusals: Record<string, number>;
  lost: Record<string, number>;
  interrupted: number;
  promises: { started: number; settled: number };
  excusedByOutage: number;
  overlaps: Overlap[];
  ms: number;
  violations: string[];
}

export function emptyRedisSummary(seed: number, options: Pick<RedisSummary, 'without' | 'concurrency' | 'graceMs' | 'actions' | 'processes'>): RedisSummary {
  return {
    config: 'redis',
    seed,
    ...options,
    granted: 0,
    tryLockNulls: 0,
    timeouts: 0,
    aborts: 0,
    lostAtHandOut: 0,
    unavailable: 0,
    releases: 0,
    releasesUnavailable: 0,
    kills: 0,
    stops: 0,
    stoppedMs: 0,
    crashes: 0,
    restarts: 0,
    restartsKilled: 0,
    pauses: 0,
    pausedMs: 0,
    holds: { total: 0, reads: 0 },
    writes: { tried: 0, ok: 0, refused: 0, refusedBySignal: 0, refusedByStore: 0, unavailable: 0, readUnavailable: 0, onFinalChains: 0, unknown: 0 },
    storeRefusals: {},
    lost: {},
    interrupted: 0,
    promises: { started: 0, settled: 0 },
    excusedByOutage: 0,
    overlaps: [],
    ms: 0,
    violations: [],
  };
}

/** Counts what a process reported. */
export function tallyRedisReport(s: RedisSummary, report: ActReport): void {
  tallyLocks(s, report);
  for (const call of report.calls) if (call.outcome === 'unavailable') s.unavailable++;
  for (const w of report.writes) {
    if (w.outcome === 'unavailable') s.writes.unavailable++;
    if (w.outcome === 'read unavailable') s.writes.readUnavailable++;
  }
  s.releasesUnavailable += report.releasesUnavailable;
}

export function formatRedis(s: RedisSummary): string {
  const w = s.writes;
  const sec = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  const overlapMs = s.overlaps.map((o) => o.to - o.from);
  const afterCrash = s.overlaps.filter((o) => o.during.some((e) => e.empty)).length;
  const lines = [
    `chaos redis · seed ${s.seed} · ${s.actions} actions over ${s.processes} processes${s.without.length ? ` (without ${s.without.join(', ')})` : ''} · ${sec(s.ms)}`,
    `  locks granted ${s.granted} · tryLock nulls ${s.tryLockNulls} · timeouts ${s.timeouts} · aborts ${s.aborts} · lost at hand-out ${s.lostAtHandOut} · Redis unavailable ${s.unavailable} · releases ${s.releases} (Redis unavailable: ${s.releasesUnavailable})`,
    `  processes killed ${s.kills} · stopped ${s.stops} (${sec(s.stoppedMs)}) · Redis crashed and restarted empty ${s.crashes} · restarted with its data ${s.restarts}${s.restartsKilled ? ` (${s.restartsKilled} fell back to SIGKILL)` : ''} · paused ${s.pauses} (${sec(s.pausedMs)})`,
    `  holds ${s.holds.total} (${s.holds.reads} signal reads) · mutual-exclusion overlaps ${s.overlaps.length}${s.overlaps.length ? ` (${afterCrash} with an empty restart of Redis during the first hold; longest ${Math.round(Math.max(...overlapMs))} ms, median ${Math.round(overlapMs.sort((a, b) => a - b)[overlapMs.length >> 1]!)} ms)` : ''}`,
    `  fenced writes tried ${w.tried} · accepted ${w.ok} · refused (StaleLockError) ${w.refused} (guard already knew: ${w.refusedBySignal}, refused by the store: ${w.refusedByStore}) · Redis unavailable ${w.unavailable} (+ ${w.readUnavailable} not tried: the read failed) · on the final chains ${w.onFinalChains} · outcome lost with its process ${w.unknown}`,
    ...storeRefusalLines(s),
    `  guards told lost: ${kinds(s.lost)} · actions interrupted by their process's death ${s.interrupted} · driver promises settled ${s.promises.settled}/${s.promises.started}`,
    `  calls needing Redis late only during an outage (excused, see invariants.ts): ${s.excusedByOutage}`,
    ...verdictLines(s),
  ];
  return lines.join('\n');
}
