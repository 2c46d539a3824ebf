/** What `connect()` takes, and what a client tells of its host (client.ts). */
import type { LockManager } from '../core/types.js';
import type { ServiceGoneError } from './errors.js';
import type { Implementation } from './hosting.js';
import type { HostWhere } from './messages.js';
import type { TransportMode } from './transport.js';

export const DEFAULT_CALL_TIMEOUT_MS = 30_000;

export interface ConnectOptions<T> {
  /** The lock manager hosts are elected on and watched through (same backend and prefix as the host). */
  manager: LockManager | PromiseLike<LockManager>;
  /** Makes (or finds) the SharedWorker that calls `serve()`, e.g. `() => new SharedWorker(url, { type: 'module' })`. */
  worker?: () => { readonly port: MessagePort };
  /** Where there is no SharedWorker: this page hosts the service itself when elected (the object, or a factory). */
  fallback?: Implementation<T>;
  /** `'auto'` (default): the SharedWorker where it exists, the channel otherwise; the others force one. */
  mode?: TransportMode;
  /** Per call, ms (default 30,000): every call ends by then. */
  timeout?: number;
  /** Closes the client (as `close()`). */
  signal?: AbortSignal;
  /** For the fallback host's election (crosslock/leader). */
  staleAfterMs?: number;
  heartbeatMs?: number;
}

/** Who hosts the service for this client. */
export interface HostInfo {
  readonly epoch: number;
  readonly where: HostWhere;
  /** That host's start of serving. */
  readonly hostId: string;
}

/** `'host'`: the client follows a new host (`host`). `'gone'`: the host it followed went away (`error`). */
export class ServiceEvent extends Event {
  constructor(
    type: 'host' | 'gone',
    readonly host: HostInfo | null,
    readonly error?: ServiceGoneError,
  ) {
    super(type);
  }
}

