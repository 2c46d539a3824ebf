/** What `connect()` takes (checked), and what a client tells of its host (client.ts). */
import { InvalidOptionError, UnsupportedError } from '../core/errors.js';
import { checkObject, msOption, must } from '../core/options.js';
import type { LockManager } from '../core/types.js';
import type { ServiceGoneError } from './errors.js';
import { checkHosting, type Implementation } from './hosting.js';
import { checkServiceName, type HostWhere } from './messages.js';
import { chooseTransport, type TransportMode } from './transport.js';

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


/** `connect()`'s input, checked (a typed error for each bad option), with its transport chosen. */
export function parseConnectOptions(name: string, options: ConnectOptions<unknown>) {
  const o = checkObject(options, ['manager', 'worker', 'fallback', 'mode', 'timeout', 'signal', 'staleAfterMs', 'heartbeatMs'], 'connect()');
  must('worker', o.worker, typeof o.worker === 'function', 'a function returning a SharedWorker');
  must('mode', o.mode, o.mode === 'auto' || o.mode === 'shared-worker' || o.mode === 'channel', '"auto", "shared-worker" or "channel"');
  must('signal', o.signal, o.signal instanceof AbortSignal, 'an AbortSignal');
  if (o.fallback === null || (o.fallback !== undefined && typeof o.fallback !== 'object' && typeof o.fallback !== 'function')) {
    throw new InvalidOptionError('fallback', 'must be the object to serve, or a function making it');
  }
  // Against the manager's prefix when it is given as is; a promised one's is checked once it resolves (client.ts).
  const checked = checkServiceName((o.manager as { prefix?: string } | undefined)?.prefix, name);
  const { manager, election } = checkHosting(o, 'connect()');
  const timeout = msOption('timeout', o.timeout, DEFAULT_CALL_TIMEOUT_MS);
  const chosen = chooseTransport({ mode: (o.mode as TransportMode | undefined) ?? 'auto', sharedWorker: typeof SharedWorker === 'function', worker: o.worker !== undefined, fallback: o.fallback !== undefined });
  if ('unsupported' in chosen) throw new UnsupportedError(`connect("${checked}"): ${chosen.unsupported}`);
  return {
    name: checked,
    manager,
    election,
    timeout,
    transport: chosen.transport,
    hostHere: chosen.hostHere,
    worker: o.worker as (() => { readonly port: MessagePort }) | undefined,
    fallback: o.fallback,
    signal: o.signal as AbortSignal | undefined,
  };
}
