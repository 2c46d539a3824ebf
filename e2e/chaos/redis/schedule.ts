/**
 * The seeded schedule of the Redis chaos configuration: a pure function of (seed, step count, process
 * count), so `--seed N` replays the same workload (the interleaving still depends on timing; the seed
 * fixes what is asked, of whom, and with which delays). PRNG: mulberry32 (e2e/chaos/schedule.ts), its
 * seed mixed with this configuration's own constant so its stream differs from the browser ones'.
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
import { mulberry32, type Random } from '../schedule.js';
import { CHILD_LEASE, type ProcAction, type ProcEvent, type ServerEvent, type Step } from './types.js';
import type { WritePlan } from '../types.js';

export const REDIS_STEP_KINDS = ['lock', 'keep', 'withLock', 'tryLock', 'release', 'kill', 'stop', 'crash', 'restart', 'pause'] as const;
export type RedisStepKind = (typeof REDIS_STEP_KINDS)[number];

/** Mixed into the seed: "REDI". */
const STREAM = 0x52454449;

export interface RedisSchedule {
  readonly names: string[];
  readonly steps: Step[];
}

export function redisSchedule(seed: number, count: number, processes: number, without: ReadonlySet<string> = new Set()): RedisSchedule {
  const random = mulberry32(seed ^ STREAM);
  const int = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const names = ['a', 'b', 'c'].slice(0, int(2, 3));

  const timeout = (): { timeout: number; abortAfter?: number } => {
    const r = random();
    if (r < 0.15) return { timeout: 0 };
    const finite = r < 0.5 ? int(20, 300) : r < 0.85 ? int(300, 2500) : Infinity;
    if (finite === Infinity) return { timeout: Infinity, abortAfter: int(100, 2500) };
    if (random() < 0.2) return { timeout: finite, abortAfter: random() < 0.1 ? 0 : int(1, Math.round(finite * 1.2)) };
    return { timeout: finite };
  };
  const holdMs = (): number => {
    const r = random();
    return r < 0.7 ? int(0, 150) : r < 0.95 ? int(150, 600) : int(600, 1500);
  };
  const writes = (): WritePlan => pick(['none', 'before', 'before', 'after', 'after', 'both'] as const);
  const mode = () => (random() < 0.25 ? ('shared' as const) : ('exclusive' as const));

  const action = (kind: RedisStepKind): ProcAction => {
    switch (kind) {
      case 'keep':
        return { kind: 'lock', via: 'lock', name: pick(names), mode: mode(), ...timeout(), holdMs: 0, writes: writes(), keepMs: int(200, 2500) };
      case 'tryLock':
        return { kind: 'tryLock', name: pick(names), mode: mode(), holdMs: holdMs(), writes: writes() };
      case 'release':
        return { kind: 'release', write: random() < 0.5 };
      case 'withLock':
      default:
        return { kind: 'lock', via: kind === 'withLock' ? 'withLock' : 'lock', name: pick(names), mode: mode(), ...timeout(), holdMs: holdMs(), writes: writes() };
    }
  };
  const proc = (kind: 'kill' | 'stop'): ProcEvent => (kind === 'kill' ? { kind } : { kind, ms: random() < 0.75 ? CHILD_LEASE.leaseMs + int(100, 1200) : int(100, 600) });
  const server = (kind: 'crash' | 'restart' | 'pause'): ServerEvent =>
    kind === 'crash' ? { kind, gapMs: int(0, 150) } : kind === 'pause' ? { kind, ms: int(50, 700) } : { kind };

  const kinds: Array<[RedisStepKind, number]> = [
    ['lock', 28],
    ['keep', 6],
    ['withLock', 14],
    ['tryLock', 14],
    ['release', 6],
    ['kill', 1.5],
    ['stop', 2],
    ['crash', 1.2],
    ['restart', 1],
    ['pause', 1.5],
  ];
  const allowed = kinds.filter(([k]) => !without.has(k));
  const steps: Step[] = [];
  for (let i = 0; i < count; i++) {
    const gapMs = int(0, 40);
    const kind = weighted(random, allowed);
    if (kind === 'kill' || kind === 'stop') steps.push({ i, slot: int(0, processes - 1), proc: proc(kind), gapMs });
    else if (kind === 'crash' || kind === 'restart' || kind === 'pause') steps.push({ i, server: server(kind), gapMs });
    else steps.push({ i, slot: int(0, processes - 1), action: action(kind), gapMs });
  }
  return { names, steps };
}

function weighted<T>(random: Random, items: ReadonlyArray<readonly [T, number]>): T {
  const total = items.reduce((sum, [, w]) => sum + w, 0);
  let r = random() * total;
  for (const [item, w] of items) if ((r -= w) < 0) return item;
  return items[items.length - 1]![0];
}
