/**
 * The vocabulary of the Redis chaos configuration (`npm run chaos -- --config redis`), shared by the
 * driver (run.ts, procs.ts), the child processes (child.ts) and the checker (invariants.ts): what an
 * action asks a process to do, what the process reports back over IPC, and what the driver itself did
 * to the processes and to the Redis server.
 *
 * TIMES are ms of `process.hrtime.bigint()` (CLOCK_MONOTONIC, one clock for every process of the
 * machine on Linux), as doubles: comparable across the driver and every child, never stepped.
 */
import type { LockMode } from '../../../src/index.js';
import type * as Shared from '../types.js';

/** Now, on the machine-wide monotonic clock, in ms. */
export const monoNow = (): number => Number(process.hrtime.bigint()) / 1e6;

/** The lease every child runs (short, so expiries, failovers and restarts play out in a step). */
export const CHILD_LEASE = { leaseMs: 1000, renewMs: 200 } as const;
/** How long one Redis command may take in a child: a paused server fails calls within this. */
export const CHILD_COMMAND_TIMEOUT_MS = 500;
/** The `database` of every manager and fenced store of a run; the fenced counters' namespace. */
export const CHAOS_NAMESPACE = 'chaos';

/** An action a child runs (its `RedisLockManager` and `RedisFencedStore`): the browser actors' lock actions, holds without clock jumps. */
export type ProcAction = Shared.LockAction;

/** What happens to a process as a whole, from the driver. */
export type ProcEvent = { readonly kind: 'kill' } | { readonly kind: 'stop'; readonly ms: number };

/** What happens to the Redis server, from the driver. */
export type ServerEvent =
  /** SIGKILL, then started again EMPTY after `gapMs`. */
  | { readonly kind: 'crash'; readonly gapMs: number }
  /** `SHUTDOWN SAVE`, then started again on its saved data. */
  | { readonly kind: 'restart' }
  /** SIGSTOP for `ms`, then SIGCONT. */
  | { readonly kind: 'pause'; readonly ms: number };

export type Step =
  | { readonly i: number; readonly slot: number; readonly action: ProcAction; readonly gapMs: number }
  | { readonly i: number; readonly slot: number; readonly proc: ProcEvent; readonly gapMs: number }
  | { readonly i: number; readonly server: ServerEvent; readonly gapMs: number };

/** How one lock()/tryLock()/withLock() call went. `unavailable`: StorageError('unavailable'), Redis unreachable. */
export type CallReport = Shared.CallReportOf<'lock' | 'withLock' | 'tryLock', 'unavailable'>;

/**
 * One grant as its holder saw it, streamed to the driver while held (so a killed holder's reads up to
 * its last report count). Every read of `guard.signal.aborted` runs crosslock's synchronous lease
 * checks; `[firstT1, firstT2]` brackets the first read that said "not aborted" and `lastT1` is the
 * moment just BEFORE the last such read: the holder believed it held at least over `[firstT2, lastT1]`.
 */
export interface Hold {
  /** `<actor>/<n>`: unique in a run. */
  readonly key: string;
  readonly actor: string;
  /** The manager's clientId (one per process incarnation). */
  readonly owner: string;
  readonly name: string;
  readonly mode: LockMode;
  readonly generation: number;
  /** When the call returned the guard. */
  readonly grantedAt: number;
  firstT1?: number;
  firstT2?: number;
  lastT1?: number;
  reads: number;
  /** When a read first said aborted, and the LockLostError kind. */
  lostAt?: number;
  lostKind?: string;
  /** When the holder stopped reading to release. */
  releasedAt?: number;
}

/** Sent to the driver (and its delivery awaited) BEFORE each fenced put; `prev`: the id of the value the write read (`CHAIN_START` for none). */
export interface Intent extends Shared.Intent {
  readonly readSentAt: number;
  readonly readAnsweredAt: number;
  /** Taken before the intent was sent: the put was sent later. */
  readonly putSentAt: number;
}

/** `outcome`: `ok`, `StaleLockError`, `unavailable` (StorageError('unavailable'): may or may not have landed), `read unavailable` (not tried), or `name: message`. */
export interface WriteReport extends Shared.WriteReport {
  readonly settledAt: number;
}

/** What one action (or a drain) reports; `lost`: the LockLostError kinds guards were told of since the last report. */
export interface ActReport extends Shared.ActReport<CallReport, WriteReport> {
  /** Releases that failed because Redis was unreachable (the lease lapses there). */
  readonly releasesUnavailable: number;
}

export type ToChild = { readonly cmd: 'act'; readonly id: number; readonly action: ProcAction } | { readonly cmd: 'drain'; readonly id: number };

export type FromChild =
  | { readonly t: 'ready'; readonly clientId: string }
  | { readonly t: 'done'; readonly id: number; readonly report: ActReport }
  | { readonly t: 'hold'; readonly hold: Hold }
  | { readonly t: 'intent'; readonly intent: Intent }
  | { readonly t: 'problem'; readonly text: string };

/** A window in which Redis did not answer (paused) or was down (crash, restart), on the shared clock. */
export interface Outage {
  readonly step: number;
  readonly kind: ServerEvent['kind'] | 'crash (restart fell back to SIGKILL)';
  /** Whether the data was lost (an empty restart). */
  readonly empty: boolean;
  readonly from: number;
  readonly to: number;
}

/** A window in which a process was stopped (SIGSTOP). */
export interface Stop {
  readonly actor: string;
  readonly from: number;
  readonly to: number;
}
