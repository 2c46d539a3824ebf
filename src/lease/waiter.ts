/**
 * What a waiting request is, and what the waiting queue (waiting.ts) asks of the lease manager.
 */
import type { LockLostKind } from '../core/errors.js';
import type { Grant } from '../core/grant.js';
import type { LockMode } from '../core/types.js';
import type { Decision } from './decide.js';
import type { GrantDetails } from './holders.js';
import type { Handoff } from './messages.js';
import type { LeaseSettings } from './settings.js';

/** When an attempt started, on both clocks (see clock.ts): a grant's deadlines count from there. */
export interface Start {
  readonly wall: number;
  readonly mono: number;
}

export interface Waiter {
  readonly mode: LockMode;
  /** Identifies this request in the stored queue, and its grant once granted. */
  token: string;
  readonly signal: AbortSignal;
  readonly lost: (kind: LockLostKind, detail?: string) => void;
}

export interface WaitingHooks {
  /** Asks for each request in order (`wait` intent), in ONE atomic update: decisions in the same order. */
  attempt(name: string, requests: ReadonlyArray<{ readonly token: string; readonly mode: LockMode }>): Promise<Decision[]>;
  /** Removes a token from the stored record, once `after` (a round in flight for it) has settled; never throws. */
  abandon(name: string, token: string, mode: LockMode, after?: Promise<unknown>): void;
  /** Both clocks, now. */
  start(): Start;
  /** A grant from the round started at `start`, or from a handoff whose lease ends at `handoff.expires`. */
  grant(name: string, waiter: Waiter, from: Start | Handoff, generation: number, details: GrantDetails): Grant;
  readonly settings: Pick<LeaseSettings, 'retryMs' | 'renewMs'>;
  /** The store runs updates in the order they were started (lease/store.ts `LeaseStore.ordered`). */
  readonly ordered: boolean;
  /** The number of waiters changed. */
  onBusy(): void;
  /**
   * Whether a failed attempt is worth retrying (a store whose server may come back: Redis unreachable).
   * Then the waiter keeps waiting, retrying on its backoff, until it is granted, gives up or times out;
   * otherwise it is rejected with the error. Absent: never (IndexedDB's failures do not heal by waiting).
   */
  readonly transient?: ((error: unknown) => boolean) | undefined;
}
