/**
 * The chaos suite's vocabulary, shared by the Node side (schedule, driver, checker) and the page side
 * (`e2e/pages/chaos*.ts`): what an action asks an actor to do, what the actor reports back, and what it
 * records in its own IndexedDB log (`e2e/pages/chaos-log.ts`) for the invariant checker. The lock
 * actions (`LockAction`), call, write and action reports, and intents are also the Redis configuration's
 * (redis/types.ts), which only adds to them.
 *
 * Times reported by pages are `performance.timeOrigin + performance.now()`: monotonic, unaffected by the
 * `Date.now` overrides of clock jumps, and comparable across pages of one machine.
 */
import type { LockMode } from '../../src/index.js';
import type { LayerSetup } from './layers/types.js';

/** The backend configurations the suite knows. */
export type ConfigName = 'web-locks' | 'leases' | 'leases-mixed';
export const CONFIG_NAMES: readonly ConfigName[] = ['web-locks', 'leases', 'leases-mixed'];

/** How a page (or the worker) builds its manager. */
export interface ActorSetup {
  /** A label for logs and reports: `p3#2` (slot 3, second page in that slot), `w0#1` (the worker). */
  readonly tag: string;
  readonly backend: 'web-locks' | 'indexeddb';
  /** Lease settings (`leases-mixed` only); otherwise the backend's defaults. */
  readonly lease?: { readonly leaseMs: number; readonly renewMs: number };
  /** The coordination layer this page runs over its manager (the layers' configurations: ./layers/). */
  readonly layer?: LayerSetup;
}

/** When a fenced counter write is made under an exclusive guard: right after the grant, after the hold, both, or never. */
export type WritePlan = 'none' | 'before' | 'after' | 'both';

/** How a granted lock is held, in every configuration (the Redis one too): for how long, with which fenced writes. */
export interface HoldBase {
  readonly holdMs: number;
  readonly writes: WritePlan;
}

/**
 * How a granted lock is held by an actor: a `HoldBase` and, with `jumpMs`, with this actor's `Date.now`
 * jumped by that much from after the first write to before the release (so the last write and the
 * lease renewals meanwhile run on the jumped clock).
 */
export interface HoldPlan extends HoldBase {
  readonly jumpMs?: number;
}

/** A `lock()` or `withLock()` call, as every configuration's actors make it (the Redis processes too). */
export interface LockCall {
  readonly kind: 'lock';
  readonly via: 'lock' | 'withLock';
  readonly name: string;
  readonly mode: LockMode;
  /** ms; `Infinity` only ever comes with an `abortAfter` (it survives structured clone: IPC, postMessage). */
  readonly timeout: number;
  /** Abort the call's signal after this many ms (`0`: already aborted before the call); none when absent. */
  readonly abortAfter?: number;
  /** Keep the guard after the action ends, until a `release` action or this many ms (`lock` only; no hold then). */
  readonly keepMs?: number;
}

/** The lock actions every configuration runs, each call with a hold of type `H`. */
export type LockAction<H extends HoldBase = HoldBase> =
  | (H & LockCall)
  | (H & { readonly kind: 'tryLock'; readonly name: string; readonly mode: LockMode })
  /** Releases the oldest guard the actor keeps, after a fenced write when `write` (exclusive guards only). */
  | { readonly kind: 'release'; readonly write: boolean };

/** An action an actor (a page's manager, or the worker's) runs. */
export type ActorAction =
  | LockAction<HoldPlan>
  /** Web Locks only: `lock(name, { timeout: 0, steal: true })`. */
  | (HoldPlan & { readonly kind: 'steal'; readonly name: string })
  /** Offsets this actor's `Date.now` by `offsetMs` for `durationMs`, then takes the offset back (whatever it holds meanwhile). */
  | { readonly kind: 'clock'; readonly offsetMs: number; readonly durationMs: number };

/** What happens to a page slot as a whole (driven from Node through Playwright and CDP). */
export type PageAction =
  | { readonly kind: 'freeze'; readonly ms: number }
  | { readonly kind: 'close' }
  | { readonly kind: 'crash' }
  | { readonly kind: 'bfcache' };

/** One step of a schedule: an actor action or a page action, and the pause before the next step starts. */
export type Step =
  | { readonly i: number; readonly actor: number; readonly action: ActorAction; readonly gapMs: number }
  | { readonly i: number; readonly slot: number; readonly page: PageAction; readonly gapMs: number };

export type WriteOutcome = 'ok' | 'StaleLockError' | string;

export interface WriteReport {
  readonly id: string;
  readonly lockName: string;
  readonly outcome: WriteOutcome;
  /** For a refusal: refused before IndexedDB because the guard's signal already said lost, or by the store's check. */
  readonly refusedBy?: 'signal' | 'store';
  /** For a refusal: the reason the error gives. */
  readonly reason?: string;
}

/**
 * How one call went, in every configuration: `C` the calls it makes, `O` the outcomes it expects besides
 * `CallOutcome`'s (the Redis processes: `unavailable`).
 */
export interface CallReportOf<C extends string = string, O extends string = never> {
  readonly call: C;
  readonly name: string;
  readonly mode: LockMode;
  readonly timeout: number;
  readonly abortAfter?: number;
  readonly outcome: CallOutcome | O;
  /** `name: message` of an error that is not the expected timeout or abort. */
  readonly error?: string;
  readonly requestedAt: number;
  readonly settledAt: number;
  readonly generation?: number;
}

/** `lost`: granted but lost (stolen, expired) before `lock({ timeout: 0 })` could return it (`LockLostError`). */
export type CallOutcome = 'granted' | 'null' | 'timeout' | 'aborted' | 'lost' | 'error';

/** How one `lock()` / `tryLock()` / `withLock()` call (or steal) of an actor went. */
export type CallReport = CallReportOf<'lock' | 'withLock' | 'tryLock' | 'steal'>;

/** What an actor action reports (`C`, `W`: its configuration's call and write reports). `problems` are violations seen inside the actor (unexpected errors). */
export interface ActReport<C extends CallReportOf<string, string> = CallReport, W extends WriteReport = WriteReport> {
  /** The actor's tag (see `ActorSetup.tag`). */
  readonly actor: string;
  readonly calls: C[];
  readonly writes: W[];
  /** Kinds of `LockLostError` the guards of this action were told of (stolen, expired, ...). */
  readonly lost: string[];
  readonly released: number;
  readonly problems: string[];
}

/** Logged in the chaos database BEFORE each fenced put, in its own transaction. */
export interface Intent {
  readonly id: string;
  readonly prev: string;
  readonly n: number;
  readonly lockName: string;
  readonly generation: number;
  readonly owner: string;
  readonly actor: string;
}

/** Logged in the chaos database at every checked grant. */
export interface GrantLog {
  readonly lockName: string;
  readonly generation: number;
  readonly owner: string;
  readonly mode: LockMode;
  readonly actor: string;
  /** This manager's grant count at this grant: its own grant order. */
  readonly seq: number;
  /** The generation in the lock's stored record, read right after the grant was handed out. */
  readonly stored: number | null;
}

/** The fenced counter kept per lock name. */
export interface Counter {
  readonly n: number;
  readonly id: string;
}

/** The id a chain of counter writes starts from. */
export const CHAIN_START = 'start';

/** The namespace of the fenced counters, and the prefix of every lock name. */
export const FENCED_NAMESPACE = 'chaos';
export const LOCK_PREFIX = 'chaos';
