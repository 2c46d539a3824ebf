/**
 * `connect()`: a client of a service, whose calls never hang and run at most once per epoch.
 *
 * Invariants (the call rule itself is calls.ts):
 * - The client follows one host at a time: the one with the highest epoch it has heard of, never a host
 *   (one start of serving) it knows is gone, nor one of an epoch below a gone one. It hears hosts on the
 *   SharedWorker's port (when it has one) and on the service's channel, so it finds the host wherever it
 *   runs, and it sends each call the way it heard its host (the port is preferred).
 * - It learns a host is gone without timers: its shared wait on the host's alive lock is granted (the host
 *   crashed or closed: messages.ts `aliveLock`), the host says `down` or `refused`, or a host of a higher
 *   epoch speaks (a frozen host replaced on Web Locks keeps its locks: only the new epoch tells). Then every
 *   call that host had ends with `ServiceGoneError` (or, when it stopped cleanly before acking it, waits for
 *   the next host), and `signal` aborts with it.
 * - Calls made while no host is known wait, queued, for the next one: after a host went away the next call
 *   (or `reconnect()`) looks for one. Every call ends by its `timeout` at the latest (`ServiceTimeoutError`),
 *   at once when it cannot be sent (a value that cannot be cloned: nothing left), or with
 *   `ServiceClosedError` at `close()`.
 *
 * Constants: `timeout` defaults to 30 s per call, and must be finite: far above a healthy call (a round trip
 * is well under a millisecond; a wallet's signing takes seconds), yet no caller is ever left without an answer.
 */
import { wrap, type Remote } from 'comlink';
import { UnsupportedError } from '../core/errors.js';
import { reservedOptions } from '../core/names.js';
import { randomId } from '../core/random.js';
import type { LockManager } from '../core/types.js';
import { scopedBus } from '../leader/bus.js';
import { CallTable, type Call } from './calls.js';
import { endWaiters, GONE_REMEMBERED, waitForHost, type HostWaiter } from './client-hosts.js';
import { ClientLink, followPage, type Via } from './client-link.js';
import { ClientEndpoint } from './endpoint.js';
import { ServiceClosedError, ServiceGoneError, ServiceTimeoutError } from './errors.js';
import { parseConnectOptions, ServiceEvent, type ConnectOptions, type HostInfo } from './connect-options.js';
import { serve, type ServiceHost } from './host.js';
import type { Implementation } from './hosting.js';
import { aliveLock, channelName, checkServiceName, isServiceMessage, SERVICE_PROTOCOL_VERSION as v, type ClientMessage, type ComlinkMessage, type HostMessage, type ServiceMessage } from './messages.js';
import { guarded, thrown } from './remote.js';
import { useTypedErrors } from './wire-errors.js';

/** The typed listeners (declaration merging: no code). */
export interface ServiceClient<T> {
  addEventListener(type: 'host' | 'gone', listener: (event: ServiceEvent) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
  removeEventListener(type: 'host' | 'gone', listener: (event: ServiceEvent) => void, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void;
}

interface Following extends HostInfo {
  readonly via: Via;
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
  /** How this client looks for its host first: a SharedWorker's port, or the service's channel only. */
  readonly transport: Via;
  readonly timeout: number;
  /** The service, as comlink's `Remote`: every method returns a promise. */
  readonly remote: Remote<T>;
  /** The host this page runs itself where SharedWorker is missing (`fallback`), once it exists. */
  localHost: ServiceHost | undefined;
  readonly #endpoint = new ClientEndpoint((msg, transfer) => this.#request(msg, transfer));
  readonly #calls = new CallTable<Payload>();
  readonly #closer = new AbortController();
  readonly #worker: (() => { readonly port: MessagePort }) | undefined;
  readonly #waiters = new Set<HostWaiter>();
  /** Hosts known gone (their late messages are ignored), oldest forgotten first. */
  readonly #goneHosts = new Set<string>();
  /** The highest epoch of a host known gone: hosts of lower epochs are stale. */
  #gone = -1;
  #manager: LockManager | undefined;
  #following: Following | undefined;
  #slot = new AbortController();
  /** A hello is out since the last host went away (or since the start): hosts announce themselves anyway. */
  #asking = false;
  /** Set when the client cannot work here (its manager failed, or is realm-scoped with a SharedWorker). */
  #unusable: Error | undefined;
  readonly #link = new ClientLink((message, via) => this.#onMessage(message, via));

  constructor(name: string, options: ConnectOptions<T>) {
    super();
    const o = parseConnectOptions(name, options);
    this.name = o.name;
    this.timeout = o.timeout;
    this.transport = o.transport;
    this.#worker = o.worker;
    useTypedErrors();
    this.remote = guarded(wrap<T>(this.#endpoint), () => void this.close());
    followPage(this.#closer.signal, o.signal, () => void this.close(), () => this.#link.say(this.#bye(), 'port'));
    Promise.resolve(o.manager)
      .then((m) => {
        if (this.#closer.signal.aborted) return;
        if (typeof m?.lock !== 'function') throw new UnsupportedError('connect() needs `manager`: a crosslock LockManager');
        checkServiceName(m.prefix, this.name);
        this.#manager = m;
        this.#link.bus = scopedBus(m.scope, channelName(m.prefix ?? '', this.name), isServiceMessage, (message) => this.#onMessage(message, 'channel'), () => this.#connect(true));
        if (o.hostHere) {
          this.localHost = serve(this.name, o.fallback as Implementation<object>, { manager: m, signal: this.#closer.signal, ...o.election });
        }
        this.#connect();
      })
      .catch((error: unknown) => this.#fail(error instanceof Error ? error : new UnsupportedError(String(error))));
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
    return waitForHost(
      this.#waiters,
      this.timeout,
      () => {
        if (!this.#following) this.#asking = false;
        return new ServiceTimeoutError(this.name, this.timeout, false, undefined);
      },
      () => this.#connect(),
    );
  }

  /** Ends every waiting call with `ServiceClosedError`, stops following, stops this page's own host. */
  async close(): Promise<void> {
    if (!this.#closer.signal.aborted) {
      const closed = new ServiceClosedError(this.name);
      this.#closer.abort(closed);
      this.#end(closed);
      this.#following?.watch.abort();
      this.#following = undefined;
      this.#slot.abort(closed);
      this.#link.close(this.#bye());
    }
    await this.localHost?.closed;
  }

  /** The client cannot work here: every call, now and later, fails with `error`. */
  #fail(error: Error): void {
    this.#unusable ??= error;
    this.#end(error);
  }

  #end(error: Error): void {
    for (const call of this.#calls.endAll()) this.#answer(call, error);
    endWaiters(this.#waiters, undefined, error);
  }

  #request(msg: ComlinkMessage, transfer: Transferable[]): void {
    const id = msg.id;
    if (this.#closer.signal.aborted) return this.#endpoint.receive(thrown(id, new ServiceClosedError(this.name)));
    if (this.#unusable) return this.#endpoint.receive(thrown(id, this.#unusable));
    // comlink's "proxy released" (releaseProxy, or its FinalizationRegistry) concerns this client only.
    if (msg.type === 'RELEASE') return this.#endpoint.receive({ id, type: 'RAW', value: undefined });
    if (transfer.some((t) => typeof MessagePort === 'function' && t instanceof MessagePort)) {
      return this.#endpoint.receive(thrown(id, new UnsupportedError('comlink proxy() arguments are not supported by crosslock/service: calls through a raw MessagePort escape epochs and timeouts')));
    }
    const call = this.#calls.add(id, { msg, transfer }, transfer.length > 0);
    this.#endpoint.deadline(id, this.timeout, () => this.#timedOut(id));
    const f = this.#following;
    if (f) this.#send(f);
    else if (call.state === 'queued') this.#connect();
  }

  /** Posts every queued call to `f`. One that cannot be posted (not clonable, or transfers over the channel) ends at once: it never left. */
  #send(f: Following): void {
    for (const call of this.#calls.send(f.hostId, f.epoch, f.via)) {
      try {
        if (f.via === 'channel' && call.transfers) throw new UnsupportedError(`this call transfers objects, which the service channel cannot carry: its host (${f.where}) is reached through the channel`);
        this.#link.say({ v, s: this.name, t: 'call', from: this.clientId, to: f.hostId, epoch: f.epoch, msg: call.payload.msg }, f.via, call.payload.transfer);
      } catch (error) {
        this.#calls.end(call.id);
        this.#answer(call, error as Error);
      }
    }
  }

  #timedOut(id: string): void {
    const call = this.#calls.end(id);
    // No host answered in all that time: the next call asks afresh (a new SharedWorker port, or the channel).
    if (!this.#following) this.#asking = false;
    if (call) this.#answer(call, new ServiceTimeoutError(this.name, this.timeout, call.state === 'accepted', call.epoch));
  }

  /** Ends `call` for its caller with `error` (as comlink's answer carrying a thrown error). */
  #answer(call: Call<Payload>, error: Error): void {
    this.#endpoint.receive(thrown(call.id, error));
  }

  /** Looks for a host: asks the channel and, with a SharedWorker, (re)opens its port (`again`: after a bfcache restore). */
  #connect(again = false): void {
    if (this.#closer.signal.aborted || this.#unusable || !this.#manager || this.#following || (this.#asking && !again)) return;
    this.#asking = true;
    if (this.transport === 'port') {
      this.#link.closePort(this.#bye());
      const worker = this.#worker!();
      if (this.#manager.scope === 'realm' && typeof SharedWorker === 'function' && worker instanceof SharedWorker) {
        // A realm-scoped manager (memory) cannot see the worker's locks: it would take every host for dead.
        return this.#fail(new UnsupportedError(`connect("${this.name}"): a SharedWorker needs a manager that excludes across the origin (this one is realm-scoped: use mode "channel")`));
      }
      this.#link.usePort(worker.port, this.#bye());
      this.#link.say({ v, s: this.name, t: 'hello', from: this.clientId }, 'port');
    }
    this.#link.say({ v, s: this.name, t: 'hello', from: this.clientId }, 'channel');
  }

  #bye(): ClientMessage {
    return { v, s: this.name, t: 'bye', from: this.clientId };
  }

  #onMessage(m: ServiceMessage, via: Via): void {
    if (m.s !== this.name || this.#closer.signal.aborted) return;
    const h = m as HostMessage;
    switch (h.t) {
      case 'host':
        return this.#follow(h, via);
      case 'down':
        return this.#lose(h.from, h.epoch, 'its host stopped', via);
      case 'ack':
        if (h.to === this.clientId) this.#calls.accepted(h.id, h.from);
        return;
      case 'refused':
        if (h.to !== this.clientId) return;
        if (this.#calls.refused(h.id, h.from) === 'ended') {
          this.#answer({ id: h.id } as Call<Payload>, new ServiceGoneError(this.name, h.epoch, false, 'its host did not take the call, which cannot be sent again (it transferred objects)'));
        }
        // That host no longer serves (it never serves a start again once it stopped): follow the next one.
        return this.#lose(h.from, h.epoch, 'its host no longer serves', via);
      case 'reply': {
        if (h.to !== this.clientId) return;
        const call = this.#calls.end(h.id);
        if (!call) return; // ended already (timed out, gone): its late answer is dropped
        this.#endpoint.receive(h.msg);
        return;
      }
    }
  }

  #follow(h: Extract<HostMessage, { t: 'host' }>, via: Via): void {
    if (this.#goneHosts.has(h.from) || h.epoch < this.#gone) return;
    const before = this.#following;
    if (before?.hostId === h.from) {
      // The same host heard the other way: prefer the port (it carries transfers).
      if (before.via === 'channel' && via === 'port') this.#following = { ...before, via };
      return;
    }
    if (before) {
      if (h.epoch < before.epoch) return;
      this.#lose(before.hostId, before.epoch, 'a newer host took over', false);
      // A 'gone' listener may have closed the client, or the loss found a host already: nothing more to do.
      if (this.#closer.signal.aborted || this.#following) return;
    }
    const f: Following = { epoch: h.epoch, where: h.where, hostId: h.from, via, watch: new AbortController() };
    this.#following = f;
    this.#asking = false;
    // Granted exactly when the host no longer holds its alive lock: it is gone.
    this.#manager!.lock(aliveLock(this.name, f.epoch, f.hostId), reservedOptions({ mode: 'shared', timeout: Infinity, signal: f.watch.signal, unchecked: true })).then(
      (guard) => (void guard.release().catch(() => {}), this.#lose(f.hostId, f.epoch, 'its host went away', false)),
      // Aborted: we stopped following it. Anything else (the manager closed, storage failed): its death
      // could no longer be seen, so it is not followed any more.
      () => f.watch.signal.aborted || this.#lose(f.hostId, f.epoch, 'its host can no longer be watched', false),
    );
    const info = this.host!;
    this.dispatchEvent(new ServiceEvent('host', info));
    endWaiters(this.#waiters, info);
    this.#send(f);
  }

  /**
   * Host `hostId` (of `epoch`) is gone; `clean`: it said so itself, by that route. Its calls end (or,
   * never acked and sent by that route, wait for the next host); the next call looks for the next host.
   */
  #lose(hostId: string, epoch: number, detail: string, clean: Via | false): void {
    this.#goneHosts.add(hostId);
    if (this.#goneHosts.size > GONE_REMEMBERED) this.#goneHosts.delete(this.#goneHosts.values().next().value!);
    if (epoch > this.#gone) this.#gone = epoch;
    for (const call of this.#calls.gone(hostId, clean)) this.#answer(call, new ServiceGoneError(this.name, epoch, call.state === 'accepted', detail));
    const f = this.#following;
    if (f?.hostId === hostId) {
      f.watch.abort();
      this.#following = undefined;
      this.#asking = false;
      const error = new ServiceGoneError(this.name, epoch, false, detail);
      const slot = this.#slot;
      this.#slot = new AbortController();
      slot.abort(error);
      this.dispatchEvent(new ServiceEvent('gone', null, error));
    }
    // A host of a lower epoch than one known gone is stale (a frozen host replaced meanwhile): drop it too.
    const stale = this.#following;
    if (stale && stale.epoch < this.#gone) return this.#lose(stale.hostId, stale.epoch, 'a newer host has been and gone', false);
    if (!this.#following && !this.#closer.signal.aborted && (this.#calls.hasQueued() || this.#waiters.size > 0)) this.#connect();
  }
}
