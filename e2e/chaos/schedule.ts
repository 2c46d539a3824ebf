/**
 * The seeded schedule: a pure function of (seed, action count, configuration) giving the list of steps
 * the driver runs, so `--seed N` replays the same workload (the interleaving itself still depends on
 * timing; the seed fixes what is asked, of whom, and with which delays).
 *
 * PRNG: mulberry32 (32-bit state, good enough for a workload), seeded with the run's seed mixed with the
 * configuration's name, so each configuration has its own stream and can be replayed alone.
 *
 * The mix: lock / withLock / tryLock with shared and exclusive modes; timeouts of 0, small, larger, and
 * Infinity always paired with an abort; aborts after a random delay (sometimes already aborted); holds
 * with fenced writes before and/or after, 1 in 10 with a clock jump of ± minutes across it; guards
 * kept past their action and released later (by a `release` action or a timer); steals (Web Locks
 * only); clock jumps of ± minutes on their own; and page freezes, closes, crashes and back/forward
 * navigations.
 */
import type { ActorAction, ConfigName, HoldBase, HoldPlan, LockAction, PageAction, Step, WritePlan } from './types.js';

export type Random = () => number;

/** mulberry32: a uniform float in [0, 1) per call. */
export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function hash(text: string): number {
  let h = 2166136261;
  for (const c of text) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return h >>> 0;
}

export const randomSeed = (): number => Math.floor(Math.random() * 2 ** 32);

export interface ScheduleShape {
  readonly config: ConfigName;
  readonly pages: number;
  /** Actors beyond the pages (the dedicated worker of `leases-mixed`): actor index `pages`. */
  readonly workers: number;
  /** Web Locks only. */
  readonly steals: boolean;
  /** Step kinds left out (`lock`, `keep`, `withLock`, `tryLock`, `release`, `clock`, `steal`, `freeze`, `close`, `crash`, `bfcache`); `clock` also drops the jumps across holds. */
  readonly without?: ReadonlySet<string>;
}

export const STEP_KINDS = ['lock', 'keep', 'withLock', 'tryLock', 'release', 'clock', 'steal', 'freeze', 'close', 'crash', 'bfcache'] as const;

export interface Schedule {
  readonly names: string[];
  readonly steps: Step[];
}

/** The browser configurations' lock constants (see `LockMix`). */
const BROWSER_MIX: LockMix = { longTimeoutMs: [500, 3000], holdMs: [200, 800, 2000], keepMs: [300, 4000] };

export function schedule(seed: number, count: number, shape: ScheduleShape): Schedule {
  const random = mulberry32(seed ^ hash(shape.config));
  const { int, pick, holdMs, writes, lockAction } = lockDraws(random, BROWSER_MIX);
  const names = ['a', 'b', 'c', 'd'].slice(0, int(2, 4));

  const jump = (): number => (random() < 0.5 ? -1 : 1) * int(60_000, 300_000);
  /** A hold: 1 in 10 with a clock jump across it (none `without` clock). */
  const hold = (): HoldPlan => {
    const plan = { holdMs: holdMs(), writes: writes() };
    return random() < 0.1 && !shape.without?.has('clock') ? { ...plan, jumpMs: jump() } : plan;
  };

  const actor = (): ActorAction => {
    const kinds: ReadonlyArray<readonly [LockStepKind | 'clock' | 'steal', number]> = [...LOCK_WEIGHTS, ['clock', 4], ...(shape.steals ? [['steal', 4] as ['steal', number]] : [])];
    const kind = weighted(random, kinds.filter(([k]) => !shape.without?.has(k)));
    switch (kind) {
      case 'steal':
        return { kind: 'steal', name: pick(names), ...hold() };
      case 'clock':
        return { kind: 'clock', offsetMs: jump(), durationMs: int(200, 1500) };
      default:
        return lockAction(kind, names, hold);
    }
  };
  const page = (kind: PageAction['kind']): PageAction => (kind === 'freeze' ? { kind, ms: int(1600, 3200) } : { kind });

  const steps: Step[] = [];
  for (let i = 0; i < count; i++) {
    const gapMs = int(0, 40);
    const kinds = [['actor', 72], ['freeze', 3], ['close', 1.5], ['crash', 1.5], ['bfcache', 1.5]] as const;
    const kind = weighted(random, kinds.filter(([k]) => !shape.without?.has(k)));
    if (kind === 'actor') steps.push({ i, actor: int(0, shape.pages + shape.workers - 1), action: actor(), gapMs });
    else steps.push({ i, slot: int(0, shape.pages - 1), page: page(kind), gapMs });
  }
  return { names, steps };
}

/** The lock step kinds every configuration draws (`keep`: a `lock` whose guard is kept past its action). */
export type LockStepKind = 'lock' | 'keep' | 'withLock' | 'tryLock' | 'release';
/** Their weights, the same in every configuration. */
export const LOCK_WEIGHTS: ReadonlyArray<readonly [LockStepKind, number]> = [
  ['lock', 28],
  ['keep', 6],
  ['withLock', 14],
  ['tryLock', 14],
  ['release', 6],
];

/** The constants of a configuration's lock draws (`lockDraws`), ms. */
export interface LockMix {
  /** The longer finite timeouts, [lo, hi] (the short ones are 20 to 300 ms in every configuration). */
  readonly longTimeoutMs: readonly [number, number];
  /** Holds: 7 in 10 within [0, a], 1 in 4 within [a, b], 1 in 20 within [b, c]. */
  readonly holdMs: readonly [number, number, number];
  /** How long a kept guard is kept (unless released earlier), [lo, hi]. */
  readonly keepMs: readonly [number, number];
}

/**
 * The lock draws every configuration's schedule makes (the Redis one too: redis/schedule.ts), over its
 * stream, with its constants. Each draw takes its numbers from `random` in the order written here, so a
 * schedule built on them draws exactly what it did when each configuration wrote them out itself:
 * - timeouts: 0 (15 %), 20 to 300 ms (35 %), `longTimeoutMs` (35 %), Infinity always with an abort after
 *   100 to 2500 ms (15 %); 1 in 5 finite ones aborted too, 1 in 10 of those before the call;
 * - modes: shared 1 in 4; writes: none 1 in 6, before 2 in 6, after 2 in 6, both 1 in 6.
 */
export function lockDraws(random: Random, mix: LockMix) {
  const int = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const timeout = (): { timeout: number; abortAfter?: number } => {
    const r = random();
    if (r < 0.15) return { timeout: 0 };
    const finite = r < 0.5 ? int(20, 300) : r < 0.85 ? int(...mix.longTimeoutMs) : Infinity;
    if (finite === Infinity) return { timeout: Infinity, abortAfter: int(100, 2500) };
    if (random() < 0.2) return { timeout: finite, abortAfter: random() < 0.1 ? 0 : int(1, Math.round(finite * 1.2)) };
    return { timeout: finite };
  };
  const [a, b, c] = mix.holdMs;
  const holdMs = (): number => {
    const r = random();
    return r < 0.7 ? int(0, a) : r < 0.95 ? int(a, b) : int(b, c);
  };
  const writes = (): WritePlan => pick(['none', 'before', 'before', 'after', 'after', 'both'] as const);
  const mode = () => (random() < 0.25 ? ('shared' as const) : ('exclusive' as const));
  /** The action of a lock step kind on one of `names`, each call held as `hold` draws it. */
  const lockAction = <H extends HoldBase>(kind: LockStepKind, names: readonly string[], hold: () => H): LockAction<H | HoldBase> => {
    switch (kind) {
      case 'lock':
      case 'withLock':
        return { kind: 'lock', via: kind, name: pick(names), mode: mode(), ...timeout(), ...hold() };
      case 'keep':
        return { kind: 'lock', via: 'lock', name: pick(names), mode: mode(), ...timeout(), holdMs: 0, writes: writes(), keepMs: int(...mix.keepMs) };
      case 'tryLock':
        return { kind: 'tryLock', name: pick(names), mode: mode(), ...hold() };
      case 'release':
        return { kind: 'release', write: random() < 0.5 };
    }
  };
  return { int, pick, holdMs, writes, lockAction };
}

export function weighted<T>(random: Random, items: ReadonlyArray<readonly [T, number]>): T {
  const total = items.reduce((sum, [, w]) => sum + w, 0);
  let r = random() * total;
  for (const [item, w] of items) if ((r -= w) < 0) return item;
  return items[items.length - 1]![0];
}
