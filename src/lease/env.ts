/**
 * What a lease manager is made of besides the rule (lease/manager.ts): its store, bus, heartbeat, clocks and
 * page lifecycle, handed in by each backend (IndexedDB, Redis); its `lock()` options; how a release is
 * announced.
 */
import type { LockOptions } from '../core/types.js';
import type { Clock } from './clock.js';
import type { Decision } from './decide.js';
import { PROTOCOL_VERSION, type LeaseMessage } from './messages.js';
import type { Heartbeat, LeaseBus, LeaseStore } from './store.js';

/**
 * The page lifecycle, where there is one: `hide` on pagehide (`cached`: the page may be kept in the
 * back/forward cache), `resume` when a frozen or cached page runs again.
 */
export type Lifecycle = (events: { hide(cached: boolean): void; resume(): void }) => () => void;

export interface LeaseEnvironment {
  readonly store: LeaseStore;
  readonly bus: LeaseBus | undefined;
  readonly heartbeat: Heartbeat;
  readonly clock: Clock;
  readonly lifecycle: Lifecycle | undefined;
  /** Store failures a waiting request outlives (retrying) rather than fails with; see `WaitingHooks.transient`. */
  readonly transient?: (error: unknown) => boolean;
  /**
   * The longest lease any manager sharing the store uses, ms: after the store lost its records (its rules
   * get a `born` time, lease/store.ts), nothing is granted until `born` + this. Default: this manager's own.
   */
  readonly maxLeaseMs?: number;
}

/** `lock()` options of the lease backends: the contract's, plus `steal` (as in Web Locks). */
export interface LeaseLockOptions extends LockOptions {
  /**
   * Takes the lock from its holders at once (needs `timeout: 0`, mode exclusive, no signal). The robbed
   * holders' signals abort with `LockLostError('stolen')`: at once in this origin (message), else at their
   * next renewal. For a holder that is stuck, never as a way to wait less.
   */
  steal?: boolean;
}

export const nothing = (): void => {};

/**
 * The announcement of releases made in one update (decisions in order, each on the record the one before
 * wrote): whom they handed the lock to (a grant the same update took back again, a request that gave up
 * the moment it was promoted, is left out), the generation after them, whether others still wait.
 */
export function releasedAll(name: string, decisions: readonly Decision[]): LeaseMessage {
  const last = decisions[decisions.length - 1]!;
  const holding = new Set(last.record.holders.map((h) => h.token));
  const granted = decisions.flatMap((d) => d.promoted).filter((p) => holding.has(p.token)).map(({ token, expires, lease }) => ({ token, expires, lease }));
  return { v: PROTOCOL_VERSION, t: 'released', name, granted, generation: last.record.generation, queued: last.record.queue.length > 0 };
}
