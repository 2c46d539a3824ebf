/**
 * The layers' invariant checker: a pure function of what the run left in IndexedDB (the layers' log,
 * the fenced chain, the stored backups: types.ts `LayerDump`) and of what surviving pages reported.
 * Nothing is inferred from timings or localStorage; times serve only the call bound (as ../bounds.ts).
 *
 * L1. NO TWO LEADERS ACT IN ONE TERM, AND TERMS ONLY GO UP (leader, service). Each leader action (each
 *     service execution) is a fenced chain write logged with its term (the host's epoch), and each
 *     leadership (host start) is logged as an exclusive grant of the election's lock. ../invariants.ts
 *     `check()` then holds them to its rules 1 to 7: the chain is whole; no accepted write is off it, no
 *     refused one on it; terms never go down along it and one term's writes come from one manager; each
 *     write comes from a logged leadership of its term; no term went to two managers; each manager's
 *     terms never go down in its own order, and the lock's stored generation is never below one.
 *     A write that failed with `StorageError` (an injected fault, or a page entering the back/forward
 *     cache) wrote nothing: it is not on the chain.
 * L2. NO SERVICE CALL RUNS TWICE. A call id is never logged as started by two executions; a call its
 *     client saw answered `ok` was executed, by the host that answered.
 * L3. EVERY CALL SETTLES WITHIN ITS TIMEOUT, plus the grace and its own page's pauses (../bounds.ts: a
 *     call's timeout is the client's own timer, which needs no store, so no other page's pause excuses
 *     it), with one of the service's own outcomes: `ok`, `ServiceGoneError`, `ServiceTimeoutError`,
 *     `ServiceClosedError` (its client was reopened), or the body's `StaleLockError` / `StorageError`.
 * L4. THE STORED BACKUP ALWAYS VERIFIES AND NEVER GOES BACK (backup). The latest backup and every
 *     archived one (the archive keeps all) decode with src/backup/format.ts; their sequences are
 *     distinct and the latest's is the highest; each holds a state once given to `update()`; every swap
 *     a page saw commit is there, with its state (none lost, none overwritten); no two committed swaps
 *     share a sequence (a fork); what one page's reads saw verifies and its sequence never goes down;
 *     `update()` ends only as written, `null` (not leader), `StaleLockError`, `StorageError` or
 *     `BackupRefusedError('conflict')` (a thawed ex-leader lost the race).
 * L5. NO CAMPAIGN DEAD WHILE ITS PAGE LIVES. A campaign ended without `close()` is reported by its page
 *     (`problems`); one that silently stopped trying shows at the end: run.ts closes the leader of the
 *     surviving pages one by one and every other campaign must lead in turn (`liveness`). `'error'` events
 *     are counted, not violations.
 * L6. NOTHING LEFT HANGING, NO PAGE PROBLEM: as ../invariants.ts 9 and 10.
 */
import type { TimedCall } from '../bounds.js';
import { check, walk } from '../invariants.js';
import type { WriteReport } from '../types.js';
import type { LayerDump, LayerKind, ServiceCallReport, StoredBackup, UpdateReport } from './types.js';

export type TimedServiceCall = ServiceCallReport & { readonly actor: string; readonly pausedMs: number; readonly othersPausedMs: number };

export interface LayerEvidence {
  readonly layer: LayerKind;
  readonly dump: LayerDump;
  readonly writes: readonly WriteReport[];
  readonly calls: readonly TimedServiceCall[];
  readonly updates: readonly UpdateReport[];
  readonly graceMs: number;
  readonly unsettled: readonly string[];
  /** Page problems, page-reported problems, driver failures, and the end's liveness failures. */
  readonly problems: readonly string[];
}

const CALL_OUTCOMES = /^(ok|ServiceGoneError|ServiceTimeoutError|ServiceClosedError|StaleLockError|StorageError(:\w+)?)$/;
const UPDATE_OUTCOMES = /^(written|null|StaleLockError|StorageError(:\w+)?|BackupRefusedError:conflict)$/;
const isStorage = (outcome: string): boolean => outcome.startsWith('StorageError');

export function checkLayers(e: LayerEvidence): { violations: string[]; landed: number } {
  const { dump, layer } = e;
  const names = layer === 'backup' ? [] : [layer];
  const verdict = check({
    names,
    intents: dump.intents,
    grants: dump.leads.map((l) => ({ ...l, mode: 'exclusive' as const })),
    counters: { [layer]: dump.counter },
    writes: e.writes.filter((w) => !isStorage(w.outcome)),
    // A call is timed as a lock wait with a timeout: its timer is the client's, no store excuses it.
    calls: e.calls.map((c) => ({ call: 'withLock', name: `service call ${c.callId} → ${c.outcome}`, mode: 'exclusive', timeout: c.timeout, outcome: 'timeout', requestedAt: c.requestedAt, settledAt: c.settledAt, actor: c.actor, pausedMs: c.pausedMs, othersPausedMs: c.othersPausedMs }) satisfies TimedCall),
    graceMs: e.graceMs,
    unsettled: e.unsettled,
    problems: e.problems,
  });
  const violations = [...verdict.violations];
  const landed = Object.values(verdict.landed).reduce((a, b) => a + b, 0);

  if (names.length > 0) {
    const intents = new Map(dump.intents.map((i) => [i.id, i]));
    const onChain = new Set(walk(layer, dump.counter ?? { n: 0, id: 'start' }, intents, []).map((i) => i.id));
    for (const w of e.writes) if (isStorage(w.outcome) && onChain.has(w.id)) violations.push(`${layer}: write ${w.id} failed (${w.outcome}) but landed`);
  }
  if (layer === 'service') checkCalls(e, violations);
  if (layer === 'backup') checkBackups(e, violations);
  return { violations, landed };
}

function checkCalls(e: LayerEvidence, violations: string[]): void {
  const runs = new Map<string, string[]>();
  for (const x of e.dump.executions) runs.set(x.callId, [...(runs.get(x.callId) ?? []), `${x.actor} epoch ${x.epoch} host ${x.hostId}`]);
  for (const [callId, hosts] of runs) if (hosts.length > 1) violations.push(`service call ${callId} ran ${hosts.length} times: ${hosts.join('; ')}`);
  const ran = new Set(e.dump.executions.map((x) => `${x.callId}@${x.hostId}`));
  for (const c of e.calls) {
    if (!CALL_OUTCOMES.test(c.outcome)) violations.push(`${c.actor} service call ${c.callId} failed unexpectedly: ${c.outcome}: ${c.detail}`);
    if (c.outcome === 'ok' && !ran.has(`${c.callId}@${c.hostId}`)) violations.push(`${c.actor} service call ${c.callId} was answered ok by host ${c.hostId}, which never logged running it`);
  }
}

function checkBackups(e: LayerEvidence, violations: string[]): void {
  const { latest, archive, swaps, reads, updates } = e.dump;
  const stored = [...archive, ...(latest ? [latest] : [])];
  const given = new Set(updates);
  const bySequence = new Map<number, StoredBackup>();
  for (const b of stored) {
    if (b.error !== undefined) {
      violations.push(`backup: the stored ${b.key} does not verify: ${b.error}`);
      continue;
    }
    if (bySequence.has(b.sequence!)) violations.push(`backup: two stored backups have sequence ${b.sequence}`);
    bySequence.set(b.sequence!, b);
    if (!given.has(b.state!)) violations.push(`backup: the stored ${b.key} (sequence ${b.sequence}) holds "${b.state}", never given to update()`);
  }
  if (latest?.sequence !== undefined) {
    for (const b of archive) if (b.sequence !== undefined && b.sequence >= latest.sequence) violations.push(`backup: the latest backup (sequence ${latest.sequence}) is not above the archived ${b.key} (sequence ${b.sequence}): it went back`);
  }
  const committed = new Map<number, string>();
  for (const s of swaps) {
    const other = committed.get(s.sequence);
    if (other !== undefined && other !== s.state) violations.push(`backup: two swaps committed sequence ${s.sequence}: "${other}" and "${s.state}" (${s.actor}): a fork`);
    committed.set(s.sequence, s.state);
    const kept = bySequence.get(s.sequence);
    if (!kept) violations.push(`backup: ${s.actor}'s swap of sequence ${s.sequence} ("${s.state}") committed, but no stored backup has that sequence: lost`);
    else if (kept.state !== s.state) violations.push(`backup: ${s.actor}'s swap of sequence ${s.sequence} wrote "${s.state}", but the backup stored with it holds "${kept.state}"`);
  }
  const lastSeen = new Map<string, { order: number; sequence: number }>();
  for (const r of [...reads].sort((a, b) => a.order - b.order)) {
    const before = lastSeen.get(r.actor);
    if (!r.seen) {
      if (before) violations.push(`backup: ${r.actor}'s read #${r.order} saw no backup after its read #${before.order} saw sequence ${before.sequence}: it went back`);
      continue;
    }
    if (r.seen.error !== undefined) {
      violations.push(`backup: ${r.actor}'s read #${r.order} saw a stored backup that does not verify: ${r.seen.error}`);
      continue;
    }
    if (before && r.seen.sequence! < before.sequence) violations.push(`backup: ${r.actor}'s read #${r.order} saw sequence ${r.seen.sequence} after its read #${before.order} saw ${before.sequence}: it went back`);
    lastSeen.set(r.actor, { order: r.order, sequence: r.seen.sequence! });
  }
  for (const u of e.updates) if (!UPDATE_OUTCOMES.test(u.outcome)) violations.push(`backup: update("${u.state}") failed unexpectedly: ${u.outcome}`);
}
