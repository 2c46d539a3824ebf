/**
 * The coordination layers' configurations, each run in a fresh browser context of 8 pages (../configs.ts
 * `PAGES`), one layer per configuration (types.ts says what each page runs):
 * - `leader`, `service`, `backup`: on IndexedDB leases (`navigator.locks` removed before any page script,
 *   so `platformDefault()` picks `IndexedDbLockManager`, default lease 1500 ms renewed every 500 ms);
 * - `leader-web-locks`, `service-web-locks`, `backup-web-locks`: on Web Locks, where a frozen leader
 *   keeps its lock and is stolen from once silent for `staleAfterMs`.
 *
 * Constants, and why: `heartbeatMs` 250 and `staleAfterMs` 2000, as the leader, service and backup e2e
 * specs use: the schedule's freezes (1.6 to 3.2 s) then land on both sides of the staleness bound (Web
 * Locks: some frozen leaders are stolen from, some thaw in time) and mostly past the 1.5 s lease (leases:
 * a frozen leader's lease lapses and another leads); 250 is staleAfterMs / 8 (the election takes at most
 * / 4). `callTimeoutMs` 5000: longer than a freeze plus a takeover, so a call to a frozen host mostly
 * ends by its host's news (gone, refused) or reply rather than by its timeout, and short enough that a
 * run's calls all settle well within the drain.
 */
import type { ActorSetup } from '../types.js';
import type { LayerConfigName, LayerKind, LayerSetup } from './types.js';

export interface LayerConfig {
  readonly name: LayerConfigName;
  readonly layer: LayerKind;
  /** Remove navigator.locks from every page before any script. */
  readonly noWebLocks: boolean;
  /** The setup of a page slot's `incarnation`-th page. */
  page(slot: number, incarnation: number): ActorSetup;
}

const SETUP = { heartbeatMs: 250, staleAfterMs: 2000, callTimeoutMs: 5000 } as const;

function config(name: LayerConfigName, layer: LayerKind, backend: 'web-locks' | 'indexeddb'): LayerConfig {
  const setup: LayerSetup = { kind: layer, ...SETUP };
  return { name, layer, noWebLocks: backend === 'indexeddb', page: (slot, incarnation) => ({ tag: `p${slot}#${incarnation}`, backend, layer: setup }) };
}

export const LAYER_CONFIGS: Record<LayerConfigName, LayerConfig> = {
  leader: config('leader', 'leader', 'indexeddb'),
  service: config('service', 'service', 'indexeddb'),
  backup: config('backup', 'backup', 'indexeddb'),
  'leader-web-locks': config('leader-web-locks', 'leader', 'web-locks'),
  'service-web-locks': config('service-web-locks', 'service', 'web-locks'),
  'backup-web-locks': config('backup-web-locks', 'backup', 'web-locks'),
};
