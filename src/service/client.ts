/**
 * `connect()`: a client of a service, whose calls never hang and run at most once per epoch.
 *
 * Invariants (the call rule itself is calls.ts):
 * - The client follows one host at a time: the one with the highest epoch it has heard of, never one at
 *   or below an epoch it knows is gone. Calls go to that host by its id and epoch.
 * - It learns a host is gone without timers: its shared wait on the host's alive lock is granted (the
 *   host crashed or closed: messages.ts `aliveLock`), the host says `down` or `refused`, or a host of a
 *   higher epoch speaks (a frozen host replaced on Web Locks keeps its locks: only the new epoch tells).
 *   Then every call that host had ends with `ServiceGoneError`, and `signal` aborts with it.
 * - Calls made while no host is known wait, queued, for the next one: after a host went away the next call
 *   (or `reconnect()`) looks for one. Every call ends by its `timeout` at the latest
 *   (`ServiceTimeoutError`), or with `ServiceClosedError` at `close()`.
 *
 * Constants: `timeout` defaults to 30 s per call: far above a healthy call (a round trip is well under a
 * millisecond; a wallet's signing takes seconds), yet a caller is never left waiting without an answer.
 */
import { wrap, type Remote } from 'comlink';
import { UnsupportedError } from '../core/errors.js';
import { checkName } from '../core/names.js';
import { checkObject, msOption, must } from '../core/options.js';
import { randomId } from '../core/random.js';
import type { LockManager } from '../core/types.js';
import { scopedBus, type Bus } from '../leader/bus.js';
import { CallTable, type Call } from './calls.js';
import { ClientEndpoint } from './endpoint.js';
import { ServiceClosedError, ServiceGoneError, ServiceTimeoutError } from './errors.js';
import { serve, type Implementation, type ServiceHost } from './host.js';
import { aliveLock, channelName, isServiceMessage, SERVICE_PROTOCOL_VERSION as v, type ClientMessage, type ComlinkMessage, type HostMessage, type HostWhere, type ServiceMessage } from './messages.js';
import { chooseTransport, type TransportMode } from './transport.js';
import { toWire, useTypedErrors } from './wire-errors.js';

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
  /** Per call, ms (default 30,000; `Infinity`: no limit). */
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

/** The typed listeners (declaration merging: no code). */
export interface ServiceClient<T> {
  addEventListener(type: 'host' | 'gone', listener: (event: ServiceEvent) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
  removeEventListener(type: 'host' | 'gone', listener: (event: ServiceEvent) => void, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void;
}

interface Following extends HostInfo {
  readonly watch: AbortController;
}

interface Payload {
  readonly msg: ComlinkMessage;
  readonly transfer: Transferable[];
}

/** Connects to service `name`; calls through `client.remote` are typed like the served object. */
export function connect<T>(name: string, options: ConnectOptions<T>): ServiceClient<T> {
  return new ServiceClient<T>(name, options);
}

export class ServiceClient<T> extends EventTarget {
  readonly name: string;
  readonly clientId = randomId();
  readonly transport: 'port' | 'channel';
  readonly timeout: number;
  /** The service, as comlink's `Remote`: every method returns a promise. */
  readonly remote: Remote<T>;
  /** The host this page runs itself where SharedWorker is missing (`fallback`), once it exists. */
  localHost: ServiceHost | undefined;
  readonly #endpoint = new ClientEndpoint((msg, transfer) => this.#request(msg, transfer));
  readonly #calls = new CallTable<Payload>();
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();
  readonly #closer = new AbortController();
  readonly #worker: (() => { readonly port: MessagePort }) | undefined;
  readonly #waiters = new Set<{ resolve: (host: HostInfo) => void; reject: (error: unknown) => void }>();
  #manager: LockManager | undefined;
  #following: Following | undefined;
  #gone = -1;
  #slot = new AbortController();
  #port: MessagePort | undefined;
  /** A hello is out since the last host went away (or since the start): hosts announce themselves anyway. */
  #asking = false;
  /** Set when the client cannot work here (a realm-scoped manager with a SharedWorker). */
  #unusable: Error | undefined;
  #bus: Bus<ServiceMessage> | undefined;

  constructor(name: string, options: ConnectOptions<T>) {
    super();
    const o = checkObject(options, ['manager', 'worker', 'fallback', 'mode', 'timeout', 'signal', 'staleAfterMs', 'heartbeatMs'], 'connect()');
    must('worker', o.worker, typeof o.worker === 'function', 'a function returning a SharedWorker');
    must('mode', o.mode, o.mode === 'auto' || o.mode === 'shared-worker' || o.mode === 'channel', '"auto", "shared-worker" or "channel"');
    must('signal', o.signal, o.signal instanceof AbortSignal, 'an AbortSignal');
    must('fallback', o.fallback, typeof o.fallback === 'object' || typeof o.fallback === 'function', 'an object or a function');
    if (o.manager === undefined) throw new TypeError('connect() needs `manager`: the LockManager hosts are elected on');
    this.name = checkName(name);
    this.timeout = msOption('timeout', o.timeout, DEFAULT_CALL_TIMEOUT_MS, undefined, true);
    const chosen = chooseTransport({ mode: (o.mode as TransportMode | undefined) ?? 'auto', sharedWorker: typeof SharedWorker === 'function', worker: o.worker !== undefined, fallback: o.fallback !== undefined });
    if ('unsupported' in chosen) throw new UnsupportedError(`connect("${this.name}"): ${chosen.unsupported}`);
    this.transport = chosen.transport;
    this.#worker = o.worker as (() => { readonly port: MessagePort }) | undefined;
    useTypedErrors();
    this.remote = wrap<T>(this.#endpoint);
    const signal = o.signal as AbortSignal | undefined;
    if (signal) {
      if (signal.aborted) void this.close();
      else signal.addEventListener('abort', () => void this.close(), { once: true });
    }
    void Promise.resolve(o.manager as ConnectOptions<T>['manager']).then((manager) => {
      if (this.#closer.signal.aborted) return;
      if (typeof manager?.lock !== 'function') throw new TypeError('connect() needs a crosslock LockManager as `manager`');
      this.#manager = manager;
      if (this.transport === 'channel') this.#bus = scopedBus(manager.scope, channelName(manager.prefix ?? '', this.name), isServiceMessage, this.#onMessage, () => this.#connect());
      if (chosen.hostHere) {
        this.localHost = serve(this.name, o.fallback as Implementation<object>, { manager, signal: this.#closer.signal, ...pick(o, ['staleAfterMs', 'heartbeatMs']) });
        this.localHost.closed.catch(() => {}); // reported through the host's 'error' event
      }
      this.#connect();
    });
  }

  /** Who hosts the service for this client now (`null`: nobody known yet, or the last host went away). */
  get host(): HostInfo | null {
    const f = this.#following;
    return f ? { epoch: f.epoch, where: f.where, hostId: f.hostId } : null;
  }

  /**
   * Aborted with `ServiceGoneError` when the host this client follows (or, before it has one, the first
   * it will follow) goes away; read it again after that for the next host's. Aborted with
   * `ServiceClosedError` at `close()`.
   */
  get signal(): AbortSignal {
    return this.#slot.signal;
  }

  /** Resolves with the host this client follows, finding one if it has none (within `timeout`). */
  reconnect(): Promise<HostInfo> {
    if (this.#closer.signal.aborted) return Promise.reject(new ServiceClosedError(this.name));
    if (this.#unusable) return Promise.reject(this.#unusable);
    const host = this.host;
    if (host) return Promise.resolve(host);
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: (h: HostInfo) => (clearTimeout(timer), resolve(h)),
        reject: (e: unknown) => (clearTimeout(timer), reject(e)),
      };
      const timer =
        this.timeout === Infinity
          ? undefined
          : setTimeout(() => {
              this.#waiters.delete(waiter);
              if (!this.#following) this.#asking = false;
              reject(new ServiceTimeoutError(this.name, this.timeout, false, undefined));
            }, this.timeout);
      this.#waiters.add(waiter);
      this.#connect();
    });
  }

  /** Ends every waiting call with `ServiceClosedError`, stops following, stops this page's own host. */
  async close(): Promise<void> {
    if (this.#closer.signal.aborted) return void (await this.localHost?.closed.catch(() => {}));
    const closed = new ServiceClosedError(this.name);
    this.#closer.abort(closed);
    for (const call of this.#calls.endAll()) this.#answer(call, closed);
    for (const waiter of this.#waiters) waiter.reject(closed);
    this.#waiters.clear();
    this.#following?.watch.abort();
    this.#following = undefined;
    this.#slot.abort(closed);
    this.#say({ v, s: this.name, t: 'bye', from: this.clientId });
    this.#port?.close();
    this.#port = undefined;
    this.#bus?.close();
    await this.localHost?.closed.catch(() => {});
  }

  /** The client cannot work here: every call, now and later, fails with `error`. */
  #fail(error: Error): void {
    this.#unusable = error;
    for (const call of this.#calls.endAll()) this.#answer(call, error);
    for (const waiter of this.#waiters) waiter.reject(error);
    this.#waiters.clear();
  }

  #request(msg: ComlinkMessage, transfer: Transferable[]): void {
    const id = msg.id;
    if (this.#closer.signal.aborted) return this.#endpoint.receive(thrown(id, new ServiceClosedError(this.name)));
    if (this.#unusable) return this.#endpoint.receive(thrown(id, this.#unusable));
    if (transfer.length > 0 && this.transport === 'channel') {
      return this.#endpoint.receive(thrown(id, new TypeError('this call transfers objects (comlink proxy() or transfer()), which the service channel cannot carry; connect through a SharedWorker')));
    }
    const call = this.#calls.add(id, { msg, transfer }, transfer.length > 0);
    if (this.timeout !== Infinity) this.#timers.set(id, setTimeout(() => this.#timedOut(id), this.timeout));
    const f = this.#following;
    if (f) this.#send(f, this.#calls.send(f.epoch));
    else if (call.state === 'queued') this.#connect();
  }

  #send(f: Following, calls: Array<Call<Payload>>): void {
    for (const call of calls) this.#say({ v, s: this.name, t: 'call', from: this.clientId, to: f.hostId, epoch: f.epoch, msg: call.payload.msg }, call.payload.transfer);
  }

  #timedOut(id: string): void {
    const call = this.#calls.end(id);
    // No host answered in all that time: the next call asks afresh (a new SharedWorker port, or the channel).
    if (!this.#following) this.#asking = false;
    if (call) this.#answer(call, new ServiceTimeoutError(this.name, this.timeout, call.state === 'accepted', call.epoch));
  }

  /** Ends `call` for its caller with `error` (as comlink's answer carrying a thrown error). */
  #answer(call: Call<Payload>, error: Error): void {
    clearTimeout(this.#timers.get(call.id));
    this.#timers.delete(call.id);
    this.#endpoint.receive(thrown(call.id, error));
  }

  /** Looks for a host: asks the channel, or (re)opens the SharedWorker's port. */
  #connect(): void {
    if (this.#closer.signal.aborted || !this.#manager || this.#following || this.#asking) return;
    this.#asking = true;
    if (this.transport === 'port') {
      this.#port?.close();
      const worker = this.#worker!();
      if (this.#manager.scope === 'realm' && typeof SharedWorker === 'function' && worker instanceof SharedWorker) {
        // A realm-scoped manager (memory) cannot see the worker's locks: it would take every host for dead.
        return this.#fail(new UnsupportedError(`connect("${this.name}"): a SharedWorker needs a manager that excludes across the origin (this one is realm-scoped: use mode "channel")`));
      }
      const port = worker.port;
      this.#port = port;
      port.addEventListener('message', (e: MessageEvent) => {
        if (port === this.#port && isServiceMessage(e.data)) this.#onMessage(e.data);
      });
      port.start();
    }
    this.#say({ v, s: this.name, t: 'hello', from: this.clientId });
  }

  #say(message: ClientMessage, transfer: Transferable[] = []): void {
    if (this.#port) {
      try {
        this.#port.postMessage(message, transfer);
      } catch {
        // A closed port: the alive lock tells the rest.
      }
    } else this.#bus?.post(message);
  }

  #onMessage = (m: ServiceMessage): void => {
    if (m.s !== this.name || this.#closer.signal.aborted) return;
    const h = m as HostMessage;
    switch (h.t) {
      case 'host':
        return this.#follow(h);
      case 'down':
        return this.#lose(h.epoch, 'its host stopped');
      case 'ack':
        if (h.to === this.clientId) this.#calls.accepted(h.id, h.epoch);
        return;
      case 'refused':
        if (h.to !== this.clientId) return;
        if (this.#calls.refused(h.id, h.epoch) === 'ended') this.#answer({ id: h.id } as Call<Payload>, new ServiceGoneError(this.name, h.epoch, false, 'its host did not take the call, which cannot be sent again (it transferred objects)'));
        // The host no longer serves that epoch: follow the next one; the call waits for it.
        return this.#lose(h.epoch, 'its host no longer serves this epoch');
      case 'reply': {
        if (h.to !== this.clientId) return;
        const call = this.#calls.end(h.id);
        if (!call) return; // ended already (timed out, gone): its late answer is dropped
        clearTimeout(this.#timers.get(h.id));
        this.#timers.delete(h.id);
        this.#endpoint.receive(h.msg);
        return;
      }
    }
  };

  #follow(h: Extract<HostMessage, { t: 'host' }>): void {
    if (h.epoch <= this.#gone) return;
    const before = this.#following;
    if (before) {
      if (before.epoch >= h.epoch) return;
      this.#lose(before.epoch, 'a newer host took over');
    }
    const f: Following = { epoch: h.epoch, where: h.where, hostId: h.from, watch: new AbortController() };
    this.#following = f;
    this.#asking = false;
    // Granted exactly when the host no longer holds its alive lock: it is gone.
    this.#manager!.lock(aliveLock(this.name, f.epoch, f.hostId), { mode: 'shared', timeout: Infinity, signal: f.watch.signal, unchecked: true }).then(
      (guard) => (void guard.release().catch(() => {}), this.#lose(f.epoch, 'its host went away')),
      () => {}, // aborted: we stopped following it
    );
    const info = this.host!;
    this.dispatchEvent(new ServiceEvent('host', info));
    for (const waiter of this.#waiters) waiter.resolve(info);
    this.#waiters.clear();
    this.#send(f, this.#calls.send(f.epoch));
  }

  /** The host of `epoch` is gone: its calls end; the next call (or a queued one) looks for the next host. */
  #lose(epoch: number, detail: string): void {
    if (epoch > this.#gone) this.#gone = epoch;
    for (const call of this.#calls.gone(epoch)) this.#answer(call, new ServiceGoneError(this.name, epoch, call.state === 'accepted', detail));
    const f = this.#following;
    if (!f || f.epoch !== epoch) return;
    f.watch.abort();
    this.#following = undefined;
    this.#asking = false;
    const error = new ServiceGoneError(this.name, epoch, false, detail);
    const slot = this.#slot;
    this.#slot = new AbortController();
    slot.abort(error);
    this.dispatchEvent(new ServiceEvent('gone', null, error));
    if (this.#calls.hasQueued() || this.#waiters.size > 0) this.#connect();
  }
}

/** comlink's answer for call `id` that throws `error` (read by the typed 'throw' handler, wire-errors.ts). */
function thrown(id: string, error: Error): ComlinkMessage {
  return { id, type: 'HANDLER', name: 'throw', value: toWire(error) };
}

function pick(o: Record<string, unknown>, keys: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of keys) if (o[key] !== undefined) out[key] = o[key] as number;
  return out;
}
