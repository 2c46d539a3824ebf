/**
 * What one configuration's run did, counted, and how it is printed: every counter the run keeps, the
 * violations (which must be 0), the seed and the command that replays it.
 */
import type { PageOutcome } from './slots.js';
import type { ActReport, CallReportOf, ConfigName } from './types.js';

export interface Summary {
  config: ConfigName;
  seed: number;
  /** Step kinds left out of the schedule (`--without`). */
  without: string[];
  /** Steps in flight at most, and the grace on call time bounds (`--concurrency`, `--grace`). */
  concurrency: number;
  graceMs: number;
  actions: number;
  granted: number;
  tryLockNulls: number;
  timeouts: number;
  aborts: number;
  /** `lock({ timeout: 0 })` or steals granted but stolen before they could be handed out (`LockLostError`). */
  lostAtHandOut: number;
  steals: number;
  releases: number;
  /** Clock steps of their own, and clock jumps across a hold. */
  clockJumps: number;
  clockJumpsMidHold: number;
  freezes: number;
  /** How long pages were paused, in all. */
  pausedMs: number;
  closes: number;
  crashes: number;
  bfcache: { navigations: number; restored: number; reloaded: Record<string, number> };
  writes: { tried: number; ok: number; refused: number; refusedBySignal: number; refusedByStore: number; landed: number; unknown: number };
  /** Why the store refused writes whose guard still looked held (the holder had not been told). */
  storeRefusals: Record<string, number>;
  /** LockLostError kinds the holders were told of. */
  lost: Record<string, number>;
  /** Actor actions whose page was closed, crashed or navigated away before they reported. */
  interrupted: number;
  /** Promises the driver started (steps and end-of-run drains), and how many had settled at the end. */
  promises: { started: number; settled: number };
  /** Store-bound calls late only by another page's pause (bounds.ts). */
  waitedOnPausedPage: number;
  ms: number;
  violations: string[];
}

export function emptySummary(config: ConfigName, seed: number, options: Pick<Summary, 'without' | 'concurrency' | 'graceMs'>): Summary {
  return {
    config,
    seed,
    ...options,
    actions: 0,
    granted: 0,
    tryLockNulls: 0,
    timeouts: 0,
    aborts: 0,
    lostAtHandOut: 0,
    steals: 0,
    releases: 0,
    clockJumps: 0,
    clockJumpsMidHold: 0,
    freezes: 0,
    pausedMs: 0,
    closes: 0,
    crashes: 0,
    bfcache: { navigations: 0, restored: 0, reloaded: {} },
    writes: { tried: 0, ok: 0, refused: 0, refusedBySignal: 0, refusedByStore: 0, landed: 0, unknown: 0 },
    storeRefusals: {},
    lost: {},
    interrupted: 0,
    promises: { started: 0, settled: 0 },
    waitedOnPausedPage: 0,
    ms: 0,
    violations: [],
  };
}

export const count = (into: Record<string, number>, key: string): void => void (into[key] = (into[key] ?? 0) + 1);

/** The counters every configuration's summary keeps (the Redis one too: redis/summary.ts), as `tallyLocks` adds to them. */
export type LockTally = Pick<Summary, 'granted' | 'tryLockNulls' | 'timeouts' | 'aborts' | 'lostAtHandOut' | 'storeRefusals' | 'lost' | 'releases'> & {
  readonly writes: Pick<Summary['writes'], 'ok' | 'refused' | 'refusedBySignal' | 'refusedByStore'>;
};

/** Counts what an actor reported. */
export function tallyReport(s: Summary, report: ActReport): void {
  tallyLocks(s, report);
  for (const call of report.calls) if (call.call === 'steal' && call.outcome === 'granted') s.steals++;
}

/** Counts the call outcomes, fenced writes, losses and releases of a report, in any configuration. */
export function tallyLocks(s: LockTally, report: ActReport<CallReportOf<string, string>>): void {
  for (const call of report.calls) {
    if (call.outcome === 'granted') s.granted++;
    if (call.outcome === 'null') s.tryLockNulls++;
    if (call.outcome === 'timeout') s.timeouts++;
    if (call.outcome === 'aborted') s.aborts++;
    if (call.outcome === 'lost') s.lostAtHandOut++;
  }
  for (const w of report.writes) {
    if (w.outcome === 'ok') s.writes.ok++;
    if (w.outcome !== 'StaleLockError') continue;
    s.writes.refused++;
    if (w.refusedBy === 'signal') s.writes.refusedBySignal++;
    else {
      s.writes.refusedByStore++;
      count(s.storeRefusals, w.reason ?? '?');
    }
  }
  for (const kind of report.lost) count(s.lost, kind);
  s.releases += report.released;
}

/** Counts what a page action did. */
export function tallyPage(s: Pick<Summary, 'freezes' | 'pausedMs' | 'closes' | 'crashes' | 'bfcache'>, outcome: PageOutcome): void {
  if (outcome.kind === 'freeze') {
    s.freezes++;
    s.pausedMs += outcome.pausedMs;
  }
  if (outcome.kind === 'close') s.closes++;
  if (outcome.kind === 'crash') s.crashes++;
  if (outcome.kind !== 'bfcache') return;
  s.bfcache.navigations++;
  if (outcome.restored) s.bfcache.restored++;
  else count(s.bfcache.reloaded, outcome.reasons.join('+') || 'no reason given');
}

export const DEFAULT_CONCURRENCY = 10;
export const DEFAULT_GRACE_MS = 2000;

/** `config`: one configuration, or several joined by commas. */
export function replayCommand(s: Pick<Summary, 'seed' | 'actions' | 'without' | 'concurrency' | 'graceMs'> & { readonly config: string }): string {
  const flags = [
    `--seed ${s.seed} --actions ${s.actions} --config ${s.config}`,
    s.without.length ? `--without ${s.without.join(',')}` : '',
    s.concurrency !== DEFAULT_CONCURRENCY ? `--concurrency ${s.concurrency}` : '',
    s.graceMs !== DEFAULT_GRACE_MS ? `--grace ${s.graceMs}` : '',
  ];
  return `npm run chaos -- ${flags.filter(Boolean).join(' ')}`;
}

/** `k1 n1, k2 n2` of counts by kind, or `none`. */
export const kinds = (r: Record<string, number>): string => Object.entries(r).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';

/** The line of the store's refusals while the guard still looked held, when there were any (every configuration). */
export function storeRefusalLines(s: Pick<LockTally, 'writes' | 'storeRefusals'>): string[] {
  return s.writes.refusedByStore ? [`  refused by the store while the guard still looked held: ${kinds(s.storeRefusals)}`] : [];
}

/** A summary's last lines, in every configuration: how many violations, the first 40, and the command that replays the run. */
export function verdictLines(s: Parameters<typeof replayCommand>[0] & { readonly violations: readonly string[] }): string[] {
  return [
    `  violations ${s.violations.length}`,
    ...s.violations.slice(0, 40).map((v) => `    ✗ ${v}`),
    ...(s.violations.length > 40 ? [`    … and ${s.violations.length - 40} more`] : []),
    ...(s.violations.length ? [`  replay: ${replayCommand(s)}`] : []),
  ];
}

export function format(s: Summary): string {
  const w = s.writes;
  const lines = [
    `chaos ${s.config} · seed ${s.seed} · ${s.actions} actions${s.without.length ? ` (without ${s.without.join(', ')})` : ''} · ${(s.ms / 1000).toFixed(1)} s`,
    `  locks granted ${s.granted} · tryLock nulls ${s.tryLockNulls} · timeouts ${s.timeouts} · aborts ${s.aborts} · steals ${s.steals} · lost at hand-out ${s.lostAtHandOut} · releases ${s.releases}`,
    `  closes ${s.closes} · crashes ${s.crashes} · freezes ${s.freezes} (${(s.pausedMs / 1000).toFixed(1)} s paused) · clock jumps ${s.clockJumps + s.clockJumpsMidHold} (${s.clockJumpsMidHold} across a hold) · bfcache navigations ${s.bfcache.navigations} (restored ${s.bfcache.restored}; reloaded: ${kinds(s.bfcache.reloaded)})`,
    `  fenced writes tried ${w.tried} · accepted ${w.ok} · refused (StaleLockError) ${w.refused} (guard already knew: ${w.refusedBySignal}, refused by the store: ${w.refusedByStore}) · landed ${w.landed} · outcome lost with its page ${w.unknown}`,
    ...storeRefusalLines(s),
    `  guards told lost: ${kinds(s.lost)} · actions interrupted by their page's end ${s.interrupted} · driver promises settled ${s.promises.settled}/${s.promises.started}`,
    `  store-bound calls late only while another page was paused (excused, see bounds.ts): ${s.waitedOnPausedPage}`,
    ...verdictLines(s),
  ];
  return lines.join('\n');
}
