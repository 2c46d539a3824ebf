/**
 * The coordination layers' chaos vocabulary (crosslock/leader, crosslock/service, crosslock/backup),
 * shared by the Node side (schedule, driver, checker) and the page side (`e2e/pages/chaos-layers.ts`):
 * what an action asks a page's layer to do, what it reports back, and what it records in its own
 * IndexedDB log (`e2e/pages/chaos-layer-log.ts`) for the invariant checker (invariants.ts).
 *
 * Each page runs ONE campaign of its configuration's layer at a time over its manager (prefix `chaos`):
 * - `leader`: a `LeaderElection` named `wallet` and a loop that leads whenever it can;
 * - `service`: a `connect()` client of service `chaos` in mode `'channel'` with a `fallback`, so the
 *   elected page hosts it (a page's freeze, crash or close is then its host's);
 * - `backup`: a `BackupSwapper({ manager })` of wallet `chaos-wallet`, which campaigns on its own.
 * A `reopen` closes the campaign and starts a new one in the same page (a closed campaign is no dead one).
 *
 * Times are `performance.timeOrigin + performance.now()`, as in ../types.ts.
 */
import type { Intent, WriteReport } from '../types.js';

export type LayerKind = 'leader' | 'service' | 'backup';

/** The configurations: each layer on IndexedDB leases, and on Web Locks. */
export type LayerConfigName = 'leader' | 'service' | 'backup' | 'leader-web-locks' | 'service-web-locks' | 'backup-web-locks';
export const LAYER_CONFIG_NAMES: readonly LayerConfigName[] = ['leader', 'service', 'backup', 'leader-web-locks', 'service-web-locks', 'backup-web-locks'];

/** How a page builds its layer (besides its manager: ../types.ts `ActorSetup`). */
export interface LayerSetup {
  readonly kind: LayerKind;
  /** The election's beat and staleness bound (Web Locks steals from a leader silent this long). */
  readonly heartbeatMs: number;
  readonly staleAfterMs: number;
  /** The service client's per-call timeout. */
  readonly callTimeoutMs: number;
}

/** The election and service names, the wallet id, and the fenced store's namespace. */
export const ELECTION = 'wallet';
export const SERVICE = 'chaos';
export const WALLET = 'chaos-wallet';
export const LAYER_NAMESPACE = 'chaos-layers';

/** What a page's layer is asked to do. */
export type LayerAction =
  /**
   * leader: one fenced write under its current (or, when none, its last) leadership, attempted even when
   * that leadership is over (the store must refuse it). service: one call `record(callId, holdMs)`.
   * backup: `update(state)` with a fresh state.
   */
  | { readonly kind: 'act'; readonly holdMs: number }
  /** backup only: read the stored backup (raw), decode it with src/backup/format.ts and log what was seen. */
  | { readonly kind: 'read' }
  /** leader, backup: resign the leadership it has (its campaign leads again when it can). */
  | { readonly kind: 'resign' }
  /** close() the campaign, then start a new one in this page. */
  | { readonly kind: 'reopen' }
  /** The next `transactions` IndexedDB transactions of this page on crosslock's database fail (aborted). */
  | { readonly kind: 'fail'; readonly transactions: number }
  /** Offsets this page's `Date.now` by `offsetMs` for `durationMs` (as ../types.ts). */
  | { readonly kind: 'clock'; readonly offsetMs: number; readonly durationMs: number };

export type LayerActionKind = LayerAction['kind'];

/** One service call, as its client saw it. */
export interface ServiceCallReport {
  readonly callId: string;
  /** `ok`, or the error's name (`ServiceGoneError`, `ServiceTimeoutError`, `StaleLockError`, ...). */
  readonly outcome: string;
  readonly accepted?: boolean;
  /** The host that answered `ok`. */
  readonly hostId?: string;
  readonly detail?: string;
  readonly timeout: number;
  readonly requestedAt: number;
  readonly settledAt: number;
}

/** One `update()`, as its caller saw it. */
export interface UpdateReport {
  readonly state: string;
  /** `written` (with the sequence of the backup that covered it), `null` (not leader), or the error's name (and kind). */
  readonly outcome: string;
  readonly sequence?: number;
  /** The error's message, when it failed. */
  readonly detail?: string;
}

/** What a layer action (or a drain) reports. `problems` are violations seen in the page. */
export interface LayerReport {
  readonly actor: string;
  readonly writes: WriteReport[];
  readonly calls: ServiceCallReport[];
  readonly updates: UpdateReport[];
  /** 'error' events of the layer's objects, by the error's name (and kind). Counted, never violations. */
  readonly errorEvents: Record<string, number>;
  /** Transactions failed on purpose since the last report. */
  readonly injected: number;
  readonly problems: string[];
}

/** Logged at every leadership (leader), host start (service: in its factory, before it serves) and leadership gained (backup). */
export interface LeadLog {
  readonly lockName: LayerKind;
  /** The term (the host's epoch). */
  readonly generation: number;
  readonly owner: string;
  readonly actor: string;
  /** This page's lead count: its own order. */
  readonly seq: number;
  /** The election lock's stored generation, read right after (null when none could be read). */
  readonly stored: number | null;
}

/** Logged by a service host when a call's body starts, before anything else it does. */
export interface ExecutionLog {
  readonly callId: string;
  readonly hostId: string;
  readonly epoch: number;
  readonly actor: string;
}

/** Logged after each swap a page's swapper made (its 'backup' event: the swap committed). */
export interface SwapLog {
  readonly sequence: number;
  readonly state: string;
  readonly actor: string;
}

/** A stored backup as a page read it: decoded, or what was wrong with it. */
export interface StoredBackup {
  readonly key: string;
  readonly sequence?: number;
  readonly state?: string;
  readonly error?: string;
}

/** Logged by each `read` action, in that page's order (`order`). */
export interface ReadLog {
  readonly actor: string;
  readonly order: number;
  /** Undefined: nothing stored yet. */
  readonly seen?: StoredBackup;
}

/** Everything the run left in IndexedDB, read by one page at the end. */
export interface LayerDump {
  readonly intents: Intent[];
  readonly leads: LeadLog[];
  readonly executions: ExecutionLog[];
  /** States given to `update()` (logged before the call). */
  readonly updates: string[];
  readonly swaps: SwapLog[];
  readonly reads: ReadLog[];
  /** The fenced chain's final value (leader, service). */
  readonly counter: { n: number; id: string } | undefined;
  /** The latest backup and every archived one (backup). */
  readonly latest: StoredBackup | undefined;
  readonly archive: StoredBackup[];
}
