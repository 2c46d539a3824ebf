/**
 * The backend configurations, each run in a fresh browser context of 8 pages:
 * - `web-locks`: `WebLockManager`, which `platformDefault()` picks where `navigator.locks` exists;
 *   the only one with steals.
 * - `leases`: `navigator.locks` removed before any page script (`withoutWebLocks`), so
 *   `platformDefault()` picks `IndexedDbLockManager` with its default lease (1500 ms, renewed every 500).
 * - `leases-mixed`: leases with different `leaseMs`/`renewMs` across pages (renewMs ≤ leaseMs / 2), plus
 *   one `IndexedDbLockManager` in a dedicated Worker started by page slot 0 (restarted with it).
 */
import type { ActorSetup, ConfigName } from './types.js';

export const PAGES = 8;

export interface ChaosConfig {
  readonly name: ConfigName;
  /** Remove navigator.locks from every page before any script. */
  readonly noWebLocks: boolean;
  readonly steals: boolean;
  /** The setup of the manager of a page slot's `incarnation`-th page. */
  page(slot: number, incarnation: number): ActorSetup;
  /** The worker's setup, started by page slot `host`. */
  readonly worker?: { readonly host: number; setup(incarnation: number): ActorSetup };
}

const MIXED_LEASES = [
  { leaseMs: 1500, renewMs: 500 },
  { leaseMs: 3000, renewMs: 1000 },
  { leaseMs: 10000, renewMs: 2500 },
  { leaseMs: 2000, renewMs: 1000 },
] as const;

const tag = (slot: number, incarnation: number): string => `p${slot}#${incarnation}`;

export const CONFIGS: Record<ConfigName, ChaosConfig> = {
  'web-locks': {
    name: 'web-locks',
    noWebLocks: false,
    steals: true,
    page: (slot, incarnation) => ({ tag: tag(slot, incarnation), backend: 'web-locks' }),
  },
  leases: {
    name: 'leases',
    noWebLocks: true,
    steals: false,
    page: (slot, incarnation) => ({ tag: tag(slot, incarnation), backend: 'indexeddb' }),
  },
  'leases-mixed': {
    name: 'leases-mixed',
    noWebLocks: true,
    steals: false,
    page: (slot, incarnation) => ({ tag: tag(slot, incarnation), backend: 'indexeddb', lease: MIXED_LEASES[slot % MIXED_LEASES.length]! }),
    worker: { host: 0, setup: (incarnation) => ({ tag: `w#${incarnation}`, backend: 'indexeddb', lease: { leaseMs: 2000, renewMs: 700 } }) },
  },
};
