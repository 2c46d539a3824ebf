/**
 * What one layer configuration's run did, counted, and how it is printed (the lock configurations'
 * summary is ../summary.ts, whose page tally, refusal and verdict lines this one shares): every counter, the
 * violations (which must be 0), the seed and the command that replays it.
 */
import { count, kinds, storeRefusalLines, verdictLines } from '../summary.js';
import type { LayerConfigName, LayerKind, LayerReport } from './types.js';

export interface LayerSummary {
  config: LayerConfigName;
  layer: LayerKind;
  seed: number;
  without: string[];
  concurrency: number;
  graceMs: number;
  actions: number;
  /** Actor steps by kind. */
  steps: Record<string, number>;
  leaderships: number;
  /** The lowest and highest term logged. */
  terms: [number, number] | undefined;
  writes: { tried: number; ok: number; refused: number; refusedBySignal: number; refusedByStore: number; storage: number; landed: number; unknown: number };
  storeRefusals: Record<string, number>;
  /** Service calls by outcome; those gone or timed out after their host accepted them. */
  calls: Record<string, number>;
  acceptedLost: number;
  executions: number;
  /** `update()`s by outcome, swaps committed, reads, backups stored at the end, the latest's sequence. */
  updates: Record<string, number>;
  swaps: number;
  reads: number;
  stored: number;
  latestSequence: number | undefined;
  /** Transactions failed on purpose, and the layer objects' 'error' events by error. */
  injected: number;
  errorEvents: Record<string, number>;
  freezes: number;
  pausedMs: number;
  closes: number;
  crashes: number;
  bfcache: { navigations: number; restored: number; reloaded: Record<string, number> };
  /** The end's liveness check: campaigns that led in turn, of those alive, the longest wait for one, and the proofs that failed and were tried again. */
  liveness: { led: number; of: number; maxWaitMs: number; retries: number; firstFailure?: string };
  interrupted: number;
  promises: { started: number; settled: number };
  ms: number;
  violations: string[];
}

export function emptyLayerSummary(config: LayerConfigName, layer: LayerKind, seed: number, options: Pick<LayerSummary, 'without' | 'concurrency' | 'graceMs' | 'actions'>): LayerSummary {
  return {
    config,
    layer,
    seed,
    ...options,
    steps: {},
    leaderships: 0,
    terms: undefined,
    writes: { tried: 0, ok: 0, refused: 0, refusedBySignal: 0, refusedByStore: 0, storage: 0, landed: 0, unknown: 0 },
    storeRefusals: {},
    calls: {},
    acceptedLost: 0,
    executions: 0,
    updates: {},
    swaps: 0,
    reads: 0,
    stored: 0,
    latestSequence: undefined,
    injected: 0,
    errorEvents: {},
    freezes: 0,
    pausedMs: 0,
    closes: 0,
    crashes: 0,
    bfcache: { navigations: 0, restored: 0, reloaded: {} },
    liveness: { led: 0, of: 0, maxWaitMs: 0, retries: 0 },
    interrupted: 0,
    promises: { started: 0, settled: 0 },
    ms: 0,
    violations: [],
  };
}

/** Counts what a page's layer reported. */
export function tallyLayer(s: LayerSummary, r: LayerReport): void {
  for (const w of r.writes) {
    if (w.outcome === 'ok') s.writes.ok++;
    else if (w.outcome.startsWith('StorageError')) s.writes.storage++;
    else if (w.outcome === 'StaleLockError') {
      s.writes.refused++;
      if (w.refusedBy === 'signal') s.writes.refusedBySignal++;
      else {
        s.writes.refusedByStore++;
        count(s.storeRefusals, w.reason ?? '?');
      }
    }
  }
  for (const c of r.calls) {
    count(s.calls, c.outcome);
    if (c.accepted && c.outcome !== 'ok') s.acceptedLost++;
  }
  for (const u of r.updates) count(s.updates, u.outcome);
  for (const [k, n] of Object.entries(r.errorEvents)) s.errorEvents[k] = (s.errorEvents[k] ?? 0) + n;
  s.injected += r.injected;
}

export function formatLayer(s: LayerSummary): string {
  const w = s.writes;
  const lines = [
    `chaos ${s.config} · seed ${s.seed} · ${s.actions} actions${s.without.length ? ` (without ${s.without.join(', ')})` : ''} · ${(s.ms / 1000).toFixed(1)} s`,
    `  steps: ${kinds(s.steps)}`,
    `  leaderships logged ${s.leaderships}${s.terms ? ` (terms ${s.terms[0]} to ${s.terms[1]})` : ''}`,
    ...(s.layer !== 'backup'
      ? [`  fenced ${s.layer === 'leader' ? 'leader actions' : 'executions'} tried ${w.tried} · accepted ${w.ok} · refused (StaleLockError) ${w.refused} (guard already knew: ${w.refusedBySignal}, refused by the store: ${w.refusedByStore}) · storage failures ${w.storage} · landed ${w.landed} · outcome lost with its page ${w.unknown}`]
      : []),
    ...storeRefusalLines(s),
    ...(s.layer === 'service' ? [`  service calls: ${kinds(s.calls)} (accepted, then gone or timed out: ${s.acceptedLost}) · executions logged ${s.executions}`] : []),
    ...(s.layer === 'backup' ? [`  update(): ${kinds(s.updates)} · swaps committed ${s.swaps} · reads ${s.reads} · backups stored at the end ${s.stored} (latest sequence ${s.latestSequence ?? 'none'})`] : []),
    `  injected transaction failures ${s.injected} · 'error' events: ${kinds(s.errorEvents)}`,
    `  closes ${s.closes} · crashes ${s.crashes} · freezes ${s.freezes} (${(s.pausedMs / 1000).toFixed(1)} s paused) · bfcache navigations ${s.bfcache.navigations} (restored ${s.bfcache.restored}; reloaded: ${kinds(s.bfcache.reloaded)})`,
    `  liveness at the end: ${s.liveness.led} of ${s.liveness.of} campaigns led in turn (longest round ${(s.liveness.maxWaitMs / 1000).toFixed(1)} s; proofs failed and tried again ${s.liveness.retries}${s.liveness.firstFailure ? `, the first: ${s.liveness.firstFailure}` : ''})`,
    `  actions interrupted by their page's end ${s.interrupted} · driver promises settled ${s.promises.settled}/${s.promises.started}`,
    ...verdictLines(s),
  ];
  return lines.join('\n');
}
