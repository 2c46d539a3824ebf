/**
 * What hosting a service takes and gives, apart from the host itself (host.ts): the context an
 * implementation factory gets, `serve()`'s options and their checks (shared with `connect()`, which may
 * host the fallback), the host's events, and where a realm is.
 */
import { UnsupportedError } from '../core/errors.js';
import { msOption } from '../core/options.js';
import type { LockGuard, LockManager } from '../core/types.js';
import { DEFAULT_STALE_AFTER_MS } from '../leader/options.js';
import type { ServiceHostError } from './errors.js';
import type { HostWhere } from './messages.js';

/** What a host knows of the start it serves, given to an implementation factory. */
export interface HostContext {
  readonly service: string;
  readonly epoch: number;
  readonly where: HostWhere;
  /** This start of serving (new each time, even in the same epoch). */
  readonly hostId: string;
  /**
   * Aborted when this host stops serving this start (the leadership ended, its alive lock was lost, or the
   * host closed). Reading it runs the leadership's and the lease's synchronous checks first, so a host
   * thawed past its lease or its staleness bound reads it aborted at once: read `signal.aborted` afresh
   * before each side effect.
   */
  readonly signal: AbortSignal;
  /** The leadership's lock guard: fence the service's writes with it (`FencedStore`). */
  readonly guard: LockGuard;
}

/** The object served, or a function making it once per start (it gets the start's `HostContext`). */
export type Implementation<T> = T | ((host: HostContext) => T | PromiseLike<T>);

export interface ServeOptions {
  /** The lock manager hosts are elected on (clients must use the same backend and prefix). A promise is awaited. */
  manager: LockManager | PromiseLike<LockManager>;
  /** Stops hosting (as `close()`). */
  signal?: AbortSignal;
  /** Passed to the election (crosslock/leader): how long a frozen host keeps its epoch on Web Locks. */
  staleAfterMs?: number;
  heartbeatMs?: number;
}

/**
 * `'host'`: this host started serving (`context`), or stopped serving that start (`null`). `'error'`: a
 * `ServiceHostError` (`context`: the start whose factory failed, else `null`); the host campaigns again
 * after `error.retryInMs`, or, when that is `undefined` (its manager failed or was closed), has stopped.
 */
export class HostEvent extends Event {
  constructor(
    type: 'host' | 'error',
    readonly context: HostContext | null,
    readonly error?: ServiceHostError,
  ) {
    super(type);
  }
}

/** Checks what `serve()` and `connect()` share: the manager (or a promise of one) and the election's options. */
export function checkHosting(o: Record<string, unknown>, call: string): { manager: ServeOptions['manager']; election: { staleAfterMs?: number; heartbeatMs?: number } } {
  const m = o.manager as { lock?: unknown; then?: unknown; scope?: unknown } | undefined;
  if (typeof m?.lock !== 'function' && typeof m?.then !== 'function') throw new UnsupportedError(`${call} needs \`manager\`: a crosslock LockManager, or a promise of one`);
  // Its calls and answers are structured clones passed between the realms of one browser (or one process).
  if (m?.scope === 'cluster') throw new UnsupportedError(`${call} runs within one browser or process: a manager of scope 'cluster' (Redis) cannot carry its calls`);
  const election: { staleAfterMs?: number; heartbeatMs?: number } = {};
  if (o.staleAfterMs !== undefined) election.staleAfterMs = msOption('staleAfterMs', o.staleAfterMs, DEFAULT_STALE_AFTER_MS);
  if (o.heartbeatMs !== undefined) election.heartbeatMs = msOption('heartbeatMs', o.heartbeatMs, 1000, (election.staleAfterMs ?? DEFAULT_STALE_AFTER_MS) / 4);
  return { manager: o.manager as ServeOptions['manager'], election };
}

/** Where this realm is: a SharedWorker, a dedicated worker, or a page (or Node: 'page', the main realm). */
export function whereAmI(): HostWhere {
  const g = globalThis as { SharedWorkerGlobalScope?: { prototype: object }; WorkerGlobalScope?: { prototype: object } };
  if (g.SharedWorkerGlobalScope && globalThis instanceof (g.SharedWorkerGlobalScope as unknown as new () => object)) return 'shared-worker';
  if (g.WorkerGlobalScope && globalThis instanceof (g.WorkerGlobalScope as unknown as new () => object)) return 'worker';
  return 'page';
}
