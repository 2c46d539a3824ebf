/**
 * The seeded schedule of the Redis chaos configuration: a pure function of (seed, step count, process
 * count), so `--seed N` replays the same workload (the interleaving still depends on timing; the seed
 * fixes what is asked, of whom, and with which delays). PRNG: mulberry32 (e2e/chaos/schedule.ts), its
 * seed mixed with this configuration's own constant so its stream differs from the browser ones'; the
 * lock draws and their weights are the browser schedule's (`lockDraws`, `LOCK_WEIGHTS`), with the
 * constants of REDIS_MIX.
 *
 * The mix, with the lease of every child (1000 ms, renewed every 200):
 * - lock / withLock / tryLock, shared (1 in 4) and exclusive; timeouts of 0, 20–300, 300–2500 ms, and
 *   Infinity always with an abort; 1 in 5 finite ones aborted too (1 in 10 of those before the call);
 *   holds mostly under 150 ms, some up to 1.5 s (past a lease: renewals must keep it); fenced writes
 *   before and/or after the hold; guards kept past their action, released by a `release` step or a timer.
 * - a process SIGKILLed (a replacement is started in its slot), or SIGSTOPped, 3 times in 4 past its
 *   lease (1.1–2.2 s) and otherwise within it (100–600 ms), then SIGCONTed.
 * - Redis SIGKILLed and restarted EMPTY after 0–150 ms; restarted WITH its data (SHUTDOWN SAVE);
 *   paused (SIGSTOP) for 50–700 ms. Server events never overlap (the driver runs them one at a time).
 */
import { LOCK_WEIGHTS, lockDraws, mulberry32, weighted, type LockMix } from '../schedule.js';
import type { HoldBase } from '../types.js';
import { CHILD_LEASE, type ProcEvent, type ServerEvent, type Step } from './types.js';

export const REDIS_STEP_KINDS = ['lock', 'keep', 'withLock', 'tryLock', 'release', 'kill', 'stop', 'crash', 'restart', 'pause'] as const;
export type RedisStepKind = (typeof REDIS_STEP_KINDS)[number];

/** Mixed into the seed: "REDI". */
const STREAM = 0x52454449;

export interface RedisSchedule {
  readonly names: string[];
  readonly steps: Step[];
}

/** The lock constants (schedule.ts `LockMix`) against the children's 1000 ms lease: most holds well within it, some past it. */
const REDIS_MIX: LockMix = { longTimeoutMs: [300, 2500], holdMs: [150, 600, 1500], keepMs: [200, 2500] };

export function redisSchedule(seed: number, count: number, processes: number, without: ReadonlySet<string> = new Set()): RedisSchedule {
  const random = mulberry32(seed ^ STREAM);
  const { int, holdMs, writes, lockAction } = lockDraws(random, REDIS_MIX);
  const names = ['a', 'b', 'c'].slice(0, int(2, 3));
  const hold = (): HoldBase => ({ holdMs: holdMs(), writes: writes() });

  const proc = (kind: 'kill' | 'stop'): ProcEvent => (kind === 'kill' ? { kind } : { kind, ms: random() < 0.75 ? CHILD_LEASE.leaseMs + int(100, 1200) : int(100, 600) });
  const server = (kind: 'crash' | 'restart' | 'pause'): ServerEvent =>
    kind === 'crash' ? { kind, gapMs: int(0, 150) } : kind === 'pause' ? { kind, ms: int(50, 700) } : { kind };

  const kinds: ReadonlyArray<readonly [RedisStepKind, number]> = [...LOCK_WEIGHTS, ['kill', 1.5], ['stop', 2], ['crash', 1.2], ['restart', 1], ['pause', 1.5]];
  const allowed = kinds.filter(([k]) => !without.has(k));
  const steps: Step[] = [];
  for (let i = 0; i < count; i++) {
    const gapMs = int(0, 40);
    const kind = weighted(random, allowed);
    if (kind === 'kill' || kind === 'stop') steps.push({ i, slot: int(0, processes - 1), proc: proc(kind), gapMs });
    else if (kind === 'crash' || kind === 'restart' || kind === 'pause') steps.push({ i, server: server(kind), gapMs });
    else steps.push({ i, slot: int(0, processes - 1), action: lockAction(kind, names, hold), gapMs });
  }
  return { names, steps };
}
