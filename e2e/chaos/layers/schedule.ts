/**
 * The layers' seeded schedule: a pure function of (seed, step count, configuration), as ../schedule.ts
 * (same PRNG, seeded with the seed mixed with the configuration's name; same page actions with the same
 * weights and freeze lengths; same gaps), with the layer's own actions instead of lock calls:
 * - `act` (most): a leader's fenced write, a service call holding 0 to 1500 ms, a backup `update()`;
 * - `read` (backup): read and verify the stored backup;
 * - `resign` (leader, backup): the leader gives its leadership up (its campaign goes on);
 * - `reopen`: close() the page's campaign and start a new one;
 * - `fail`: the page's next 1 to 6 transactions on crosslock's database fail;
 * - `clock`: the page's `Date.now` jumps ± 1 to 5 minutes for 0.2 to 1.5 s.
 */
import { hash, mulberry32, weighted } from '../schedule.js';
import type { PageAction } from '../types.js';
import type { LayerAction, LayerConfigName, LayerKind } from './types.js';

export const LAYER_STEP_KINDS = ['act', 'read', 'resign', 'reopen', 'fail', 'clock', 'freeze', 'close', 'crash', 'bfcache'] as const;

export type LayerStep =
  | { readonly i: number; readonly actor: number; readonly action: LayerAction; readonly gapMs: number }
  | { readonly i: number; readonly slot: number; readonly page: PageAction; readonly gapMs: number };

const WEIGHTS: Record<LayerKind, ReadonlyArray<readonly [LayerAction['kind'], number]>> = {
  leader: [['act', 40], ['resign', 6], ['reopen', 3], ['fail', 5], ['clock', 4]],
  service: [['act', 46], ['reopen', 3], ['fail', 5], ['clock', 4]],
  backup: [['act', 30], ['read', 14], ['resign', 6], ['reopen', 3], ['fail', 5], ['clock', 4]],
};

export function layerSchedule(seed: number, count: number, shape: { config: LayerConfigName; layer: LayerKind; pages: number; without?: ReadonlySet<string> }): LayerStep[] {
  const random = mulberry32(seed ^ hash(shape.config));
  const int = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));
  const keep = <K>(items: ReadonlyArray<readonly [K, number]>) => items.filter(([k]) => !shape.without?.has(k as string));
  const holdMs = (): number => {
    const r = random();
    return r < 0.6 ? int(0, 50) : r < 0.9 ? int(50, 400) : int(400, 1500);
  };
  const action = (): LayerAction => {
    switch (weighted(random, keep(WEIGHTS[shape.layer]))) {
      case 'act':
        return { kind: 'act', holdMs: shape.layer === 'service' ? holdMs() : 0 };
      case 'read':
        return { kind: 'read' };
      case 'resign':
        return { kind: 'resign' };
      case 'reopen':
        return { kind: 'reopen' };
      case 'fail':
        return { kind: 'fail', transactions: int(1, 6) };
      case 'clock':
        return { kind: 'clock', offsetMs: (random() < 0.5 ? -1 : 1) * int(60_000, 300_000), durationMs: int(200, 1500) };
    }
  };
  const steps: LayerStep[] = [];
  for (let i = 0; i < count; i++) {
    const gapMs = int(0, 40);
    const kind = weighted(random, keep([['actor', 72], ['freeze', 3], ['close', 1.5], ['crash', 1.5], ['bfcache', 1.5]] as const));
    if (kind === 'actor') steps.push({ i, actor: int(0, shape.pages - 1), action: action(), gapMs });
    else steps.push({ i, slot: int(0, shape.pages - 1), page: kind === 'freeze' ? { kind, ms: int(1600, 3200) } : { kind }, gapMs });
  }
  return steps;
}
