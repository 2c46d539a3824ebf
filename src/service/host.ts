/**
 * `serve()`: hosting a service, once per origin (per manager scope), with an epoch.
 *
 * Invariants:
 * - HOSTING IS LEADING the election `service.<name>` (crosslock/leader), so at most one host runs calls
 *   at a time, whether it is a SharedWorker or a page standing in for one (the fallback), and the
 *   **epoch** is the leadership's term: it goes up with every new host, across the origin.
 * - A host runs a call only if the call names its id and epoch and it still leads at that moment
 *   (`Leadership.signal`, which also checks a thawed leader's staleness synchronously); otherwise it
 *   answers `refused` and the call has not run. It answers `ack` before the call starts.
 * - While it hosts an epoch, it holds an exclusive lock `service.<name>.alive.<epoch>.<hostId>` that
 *   nobody else ever asks for exclusively: clients wait on it in shared mode, and are granted it exactly
 *   when this host is gone (crashed, closed, killed with its creator page), which is how they learn it
 *   without any timer (Chromium has no MessagePort close event: whatwg/html#10201). A name per epoch and
 *   host means a client that starts watching late still sees the right host's death at once.
 * - When hosting ends (leadership lost, resigned, closed) it says `down`, then gives the alive lock up.
 *
 * In a SharedWorker it takes the `connect` ports (call `serve()` synchronously in the worker script,
 * before any `await`, so the first `connect` is not missed) and the service's channel, so clients in
 * dedicated workers (which cannot make a SharedWorker) reach it too. In a page it serves the channel.
 */
import { expose } from 'comlink';
import { randomId } from '../core/random.js';
import { checkName } from '../core/names.js';
import { checkObject, must } from '../core/options.js';
import type { LockGuard, LockManager } from '../core/types.js';
import { scopedBus, type Bus } from '../leader/bus.js';
import { LeaderElection } from '../leader/election.js';
import type { Leadership } from '../leader/leadership.js';
import { ServiceClosedError } from './errors.js';
import { HostEndpoint } from './endpoint.js';
import { aliveLock, channelName, hostLock, isServiceMessage, SERVICE_PROTOCOL_VERSION as v, type ClientMessage, type HostMessage, type HostWhere, type ServiceMessage } from './messages.js';
import { toWire, useTypedErrors } from './wire-errors.js';

/** What a host knows of the epoch it serves, given to an implementation factory. */
export interface HostContext {
  readonly service: string;
  readonly epoch: number;
  readonly where: HostWhere;
  readonly hostId: string;
  /** Aborted when this host stops serving this epoch (the leadership's signal). */
  readonly signal: AbortSignal;
  /** The leadership's lock guard: fence the service's writes with it (`FencedStore`). */
  readonly guard: LockGuard;
}

/** The object served, or a function making it once per epoch (it gets the epoch's `HostContext`). */
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

/** `'host'`: this host started serving an epoch (`context`), or stopped (`null`). `'error'`: the implementation factory failed. */
export class HostEvent extends Event {
  constructor(
    type: 'host' | 'error',
    readonly context: HostContext | null,
    readonly error?: unknown,
  ) {
    super(type);
  }
}

/** The typed listeners (declaration merging: no code). */
export interface ServiceHost {
  addEventListener(type: 'host' | 'error', listener: (event: HostEvent) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
  removeEventListener(type: 'host' | 'error', listener: (event: HostEvent) => void, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void;
}

interface Serving {
  readonly context: HostContext;
  readonly leadership: Leadership;
  readonly endpoint: HostEndpoint;
}

type Reply = (message: HostMessage, transfer?: Transferable[]) => void;

/** Hosts `implementation` as service `name`; see the module comment. */
export function serve<T extends object>(name: string, implementation: Implementation<T>, options: ServeOptions): ServiceHost {
  return new ServiceHost(name, implementation as Implementation<object>, options);
}

export class ServiceHost extends EventTarget {
  readonly name: string;
  readonly hostId = randomId();
  readonly where: HostWhere = whereAmI();
  readonly closed: Promise<void>;
  readonly #implementation: Implementation<object>;
  readonly #closer = new AbortController();
  readonly #ports = new Set<MessagePort>();
  #serving: Serving | undefined;
  #bus: Bus<ServiceMessage> | undefined;

  constructor(name: string, implementation: Implementation<object>, options: ServeOptions) {
    super();
    const o = checkObject(options, ['manager', 'signal', 'staleAfterMs', 'heartbeatMs'], 'serve()');
    must('signal', o.signal, o.signal instanceof AbortSignal, 'an AbortSignal');
    if (typeof implementation !== 'function' && (typeof implementation !== 'object' || implementation === null)) throw new TypeError('serve() needs an object to serve, or a function making it');
    this.name = checkName(name);
    this.#implementation = implementation;
    useTypedErrors();
    const signal = o.signal as AbortSignal | undefined;
    if (signal?.aborted) this.#closer.abort(new ServiceClosedError(this.name));
    signal?.addEventListener('abort', () => void this.close(), { once: true });
    if (this.where === 'shared-worker') addEventListener('connect', this.#onConnect as EventListener);
    this.closed = this.#run(o.manager as ServeOptions['manager'], { staleAfterMs: o.staleAfterMs as number | undefined, heartbeatMs: o.heartbeatMs as number | undefined });
  }

  /** The epoch this host serves now, or `null`. */
  get context(): HostContext | null {
    return this.#serving?.context ?? null;
  }

  /** Stops hosting: says `down`, releases the epoch (another host may start at once), stops listening. */
  async close(): Promise<void> {
    if (!this.#closer.signal.aborted) this.#closer.abort(new ServiceClosedError(this.name));
    await this.closed;
  }

  async #run(managerOrPromise: ServeOptions['manager'], electionOptions: { staleAfterMs: number | undefined; heartbeatMs: number | undefined }): Promise<void> {
    const manager = await managerOrPromise;
    if (typeof manager?.lock !== 'function') throw new TypeError('serve() needs a crosslock LockManager as `manager`');
    const stop = this.#closer.signal;
    if (stop.aborted) return this.#stopListening();
    this.#bus = scopedBus(manager.scope, channelName(manager.prefix ?? '', this.name), isServiceMessage, (m) => this.#onMessage(m, this.#channelReply), () => this.#announce());
    const options = Object.fromEntries(Object.entries(electionOptions).filter(([, x]) => x !== undefined));
    const election = new LeaderElection(manager, hostLock(this.name), options);
    stop.addEventListener('abort', () => void election.close(), { once: true });
    try {
      while (!stop.aborted) {
        const leadership = await election.lead({ signal: stop }).catch(() => undefined);
        if (!leadership) break;
        if (!(await this.#host(manager, leadership))) break;
      }
    } finally {
      await election.close();
      this.#stopListening();
    }
  }

  /** Serves one epoch until its leadership ends. False when hosting must stop (the factory failed). */
  async #host(manager: LockManager, leadership: Leadership): Promise<boolean> {
    const epoch = leadership.term;
    const signal = leadership.signal;
    let alive;
    try {
      alive = await manager.lock(aliveLock(this.name, epoch, this.hostId), { timeout: Infinity, signal });
    } catch {
      await leadership.resign();
      return true; // lost before it could serve: campaign again
    }
    const context: HostContext = { service: this.name, epoch, where: this.where, hostId: this.hostId, signal, guard: leadership.guard };
    try {
      let object: object;
      try {
        const made = typeof this.#implementation === 'function' ? await (this.#implementation as (host: HostContext) => object | PromiseLike<object>)(context) : this.#implementation;
        if (typeof made !== 'object' && typeof made !== 'function') throw new TypeError(`the implementation factory of "${this.name}" returned ${made === null ? 'null' : typeof made}`);
        object = made;
      } catch (error) {
        this.dispatchEvent(new HostEvent('error', context, error));
        if (!this.#closer.signal.aborted) this.#closer.abort(error);
        return false;
      }
      if (signal.aborted) return true;
      const endpoint = new HostEndpoint();
      expose(object, endpoint);
      this.#serving = { context, leadership, endpoint };
      this.#announce();
      this.dispatchEvent(new HostEvent('host', context));
      await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
      return true;
    } finally {
      if (this.#serving?.context === context) this.#serving = undefined;
      const down: HostMessage = { v, s: this.name, t: 'down', from: this.hostId, epoch };
      for (const port of this.#ports) post(port, down);
      this.#bus?.post(down);
      await alive.release().catch(() => {});
      await leadership.resign();
      this.dispatchEvent(new HostEvent('host', null));
    }
  }

  /** Says "I host" on every port and the channel (when hosting starts, and after a bfcache restore). */
  #announce(): void {
    const serving = this.#serving;
    if (!serving) return;
    const message: HostMessage = { v, s: this.name, t: 'host', from: this.hostId, epoch: serving.context.epoch, where: this.where };
    for (const port of this.#ports) post(port, message);
    this.#bus?.post(message);
  }

  #onConnect = (event: MessageEvent): void => {
    const port = event.ports[0];
    if (port) this.accept(port);
  };

  /**
   * Serves clients on `port` too, as a SharedWorker does each `connect` port: any MessagePort whose other
   * end a client's `worker()` returns (`{ port }`), e.g. a MessageChannel to a page that hosts.
   */
  accept(port: MessagePort): void {
    if (this.#closer.signal.aborted) return;
    this.#ports.add(port);
    const reply: Reply = (message, transfer) => post(port, message, transfer);
    port.addEventListener('message', (e: MessageEvent) => {
      const m = e.data as unknown;
      if (!isServiceMessage(m) || m.s !== this.name) return;
      if (m.t === 'bye') return void this.#ports.delete(port);
      this.#onMessage(m, reply);
    });
    port.start();
  }

  #channelReply: Reply = (message, transfer) => {
    if (transfer?.length && message.t === 'reply') {
      // A BroadcastChannel cannot transfer (a comlink proxy() or transfer() in the answer): say so.
      const error = new TypeError('this answer transfers objects (comlink proxy() or transfer()), which the service channel cannot carry; serve it from a SharedWorker');
      message = { ...message, msg: { id: message.id, type: 'HANDLER', name: 'throw', value: toWire(error) } };
    }
    this.#bus?.post(message);
  };

  #onMessage(m: ServiceMessage, reply: Reply): void {
    if (m.s !== this.name) return;
    if (m.t === 'hello') {
      const serving = this.#serving;
      if (serving) reply({ v, s: this.name, t: 'host', from: this.hostId, epoch: serving.context.epoch, where: this.where });
    } else if (m.t === 'call' && m.to === this.hostId) this.#onCall(m, reply);
  }

  #onCall(m: Extract<ClientMessage, { t: 'call' }>, reply: Reply): void {
    const serving = this.#serving;
    const id = m.msg.id;
    const answer = { v, s: this.name, from: this.hostId, to: m.from, id, epoch: m.epoch } as const;
    // Reading the leadership's signal checks, synchronously, that this host may still act (a thawed one may not).
    if (!serving || serving.context.epoch !== m.epoch || serving.leadership.signal.aborted) return reply({ ...answer, t: 'refused' });
    reply({ ...answer, t: 'ack' });
    if (m.msg.type === 'RELEASE') {
      // comlink's "proxy released" would stop the one endpoint every client shares: answer it here.
      return reply({ v, s: this.name, t: 'reply', from: this.hostId, to: m.from, id, msg: { id, type: 'RAW', value: undefined } });
    }
    serving.endpoint.deliver(m.msg, (msg, transfer) => reply({ v, s: this.name, t: 'reply', from: this.hostId, to: m.from, id, msg }, transfer));
  }

  #stopListening(): void {
    if (this.where === 'shared-worker') removeEventListener('connect', this.#onConnect as EventListener);
    this.#ports.clear();
    this.#bus?.close();
    this.#bus = undefined;
  }
}

function post(port: MessagePort, message: HostMessage, transfer: Transferable[] = []): void {
  try {
    port.postMessage(message, transfer);
  } catch {
    // A port whose page went away: nothing to tell.
  }
}

/** Where this realm is: a SharedWorker, a dedicated worker, or a page (or Node: 'page', the main realm). */
function whereAmI(): HostWhere {
  const g = globalThis as { SharedWorkerGlobalScope?: { prototype: object }; WorkerGlobalScope?: { prototype: object } };
  if (g.SharedWorkerGlobalScope && globalThis instanceof (g.SharedWorkerGlobalScope as unknown as new () => object)) return 'shared-worker';
  if (g.WorkerGlobalScope && globalThis instanceof (g.WorkerGlobalScope as unknown as new () => object)) return 'worker';
  return 'page';
}
