/**
 * `serve()`: hosting a service, once per origin (per manager scope), with an epoch.
 *
 * Invariants:
 * - HOSTING IS LEADING the election of lock `service+<name>` (crosslock/leader; a reserved name no app
 *   lock meets, core/names.ts; the name is checked against its longest lock, messages.ts `checkServiceName`,
 *   when `serve()` is called), so at most one host runs calls
 *   at a time, whether it is a SharedWorker or a page standing in for one (the fallback), and the
 *   **epoch** is the leadership's term: it goes up whenever another host takes over. Each start of
 *   serving has an id of its own (`hostId`), new even when the same host leads again in the same term,
 *   so a client never confuses a host that stopped with the one that came back.
 * - A host answers `ack` BEFORE it runs a call, and runs it only if the call names this start and it
 *   still leads at that moment (`Leadership.signal`, which also checks a thawed leader's staleness
 *   synchronously); otherwise it answers `refused` and has not run it. Once it stops serving a start it
 *   never runs a call of that start again. Its messages to one client keep their order (one port, one
 *   channel sender), so a client that got `down` or `refused` before any `ack` of a call knows the call
 *   did not run (calls.ts).
 * - While it serves a start, it holds an exclusive lock `alive+<name>+<epoch>+<hostId>` that
 *   nobody else ever asks for exclusively: clients wait on it in shared mode and are granted it exactly
 *   when this host is gone (crashed, closed, killed with its creator page), which is how they learn it
 *   without any timer (Chromium has no MessagePort close event: whatwg/html#10201). A name per start
 *   means a client that starts watching late still sees the right host's death at once. If the host
 *   loses that lock (a lease that lapsed), it stops serving that start: its clients think it gone.
 * - When a start ends (leadership lost, resigned, closed, alive lock lost) it says `down`, then gives the
 *   alive lock up.
 * - comlink's side channels are refused: `createEndpoint` (ENDPOINT), `new remote.X()` (CONSTRUCT), and any
 *   answer that transfers a MessagePort (a `proxy()`), because calls through a raw port escape epochs,
 *   leadership checks and timeouts (a call through one to a dead host would never settle).
 *
 * In a SharedWorker it takes the `connect` ports (call `serve()` synchronously in the worker script,
 * before any `await`, so the first `connect` is not missed) and the service's channel, so clients in
 * dedicated workers (which cannot make a SharedWorker) reach it too. In a page it serves the channel.
 */
import { expose } from 'comlink';
import { UnsupportedError } from '../core/errors.js';
import { reservedOptions } from '../core/names.js';
import { checkObject, must } from '../core/options.js';
import { randomId } from '../core/random.js';
import type { LockGuard, LockManager } from '../core/types.js';
import { scopedBus, type Bus } from '../leader/bus.js';
import { LeaderElection } from '../leader/election.js';
import type { Leadership } from '../leader/leadership.js';
import { KIND, type LeaderElectionOptions } from '../leader/options.js';
import { HostEndpoint } from './endpoint.js';
import { ServiceClosedError } from './errors.js';
import { aliveLock, channelName, checkServiceName, isServiceMessage, SERVICE_PROTOCOL_VERSION as v, type ClientMessage, type ComlinkMessage, type HostMessage, type HostWhere, type ServiceMessage } from './messages.js';
import { checkHosting, HostEvent, whereAmI, type HostContext, type Implementation, type ServeOptions } from './hosting.js';
import { toWire, useTypedErrors } from './wire-errors.js';

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
  readonly alive: LockGuard;
  readonly endpoint: HostEndpoint;
  /** Aborted when this start must end (its alive lock was lost, or the host closes). */
  readonly end: AbortController;
}

/**
 * Whether a start may still act, checked afresh: reading the leadership's and the alive lock's own
 * signals runs their synchronous checks (a thawed leader's staleness, a lease's deadline), which a
 * combined `AbortSignal.any` would never read again.
 */
function serves(serving: Serving): boolean {
  return !serving.leadership.signal.aborted && !serving.alive.signal.aborted && !serving.end.signal.aborted;
}

type Reply = (message: HostMessage, transfer?: Transferable[]) => void;

/** Hosts `implementation` as service `name`; see the module comment. */
export function serve<T extends object>(name: string, implementation: Implementation<T>, options: ServeOptions): ServiceHost {
  return new ServiceHost(name, implementation as Implementation<object>, options);
}

export class ServiceHost extends EventTarget {
  readonly name: string;
  readonly where: HostWhere = whereAmI();
  /** Resolves once this host stopped for good (closed, or its factory or manager failed: see 'error'). */
  readonly closed: Promise<void>;
  readonly #implementation: Implementation<object>;
  readonly #closer = new AbortController();
  readonly #ports = new Set<MessagePort>();
  #serving: Serving | undefined;
  /** This host's starts (bounded): the calls it answers, `refused` once a start is over. */
  readonly #starts = new Set<string>();
  #bus: Bus<ServiceMessage> | undefined;

  constructor(name: string, implementation: Implementation<object>, options: ServeOptions) {
    super();
    const o = checkObject(options, ['manager', 'signal', 'staleAfterMs', 'heartbeatMs'], 'serve()');
    must('signal', o.signal, o.signal instanceof AbortSignal, 'an AbortSignal');
    if (typeof implementation !== 'function' && (typeof implementation !== 'object' || implementation === null)) throw new TypeError('serve() needs an object to serve, or a function making it');
    // Against the manager's prefix when it is given as is; a promised one's is checked once it resolves.
    this.name = checkServiceName((o.manager as { prefix?: string } | undefined)?.prefix, name);
    const { manager, election } = checkHosting(o, 'serve()');
    this.#implementation = implementation;
    useTypedErrors();
    const signal = o.signal as AbortSignal | undefined;
    if (signal?.aborted) this.#closer.abort(new ServiceClosedError(this.name));
    const onAbort = (): void => void this.close();
    signal?.addEventListener('abort', onAbort, { once: true });
    this.#closer.signal.addEventListener('abort', () => signal?.removeEventListener('abort', onAbort), { once: true });
    if (this.where === 'shared-worker') addEventListener('connect', this.#onConnect as EventListener);
    this.closed = this.#run(manager, election).catch((error: unknown) => void this.dispatchEvent(new HostEvent('error', null, error)));
  }

  /** The start this host serves now, or `null`. */
  get context(): HostContext | null {
    return this.#serving?.context ?? null;
  }

  /** Stops hosting: says `down`, releases the epoch (another host may start at once), stops listening. */
  async close(): Promise<void> {
    if (!this.#closer.signal.aborted) this.#closer.abort(new ServiceClosedError(this.name));
    this.#serving?.end.abort();
    await this.closed;
  }

  /**
   * Serves clients on `port` too, as a SharedWorker does each `connect` port: any MessagePort whose other
   * end a client's `worker()` returns (`{ port }`). A port whose first message is for another service is
   * dropped (several services may share one SharedWorker and its `connect` events).
   */
  accept(port: MessagePort): void {
    if (this.#closer.signal.aborted) return;
    this.#ports.add(port);
    const reply: Reply = (message, transfer) => port.postMessage(message, transfer ?? []);
    const onMessage = (e: MessageEvent): void => {
      const m = e.data as unknown;
      if (!isServiceMessage(m)) return;
      if (m.s !== this.name || m.t === 'bye') {
        this.#ports.delete(port);
        return port.removeEventListener('message', onMessage);
      }
      this.#onMessage(m, reply);
    };
    port.addEventListener('message', onMessage);
    port.start();
  }

  async #run(managerOrPromise: ServeOptions['manager'], electionOptions: { staleAfterMs?: number; heartbeatMs?: number }): Promise<void> {
    try {
      const manager = await managerOrPromise;
      if (typeof manager?.lock !== 'function') throw new UnsupportedError('serve() needs `manager`: a crosslock LockManager');
      checkServiceName(manager.prefix, this.name);
      const stop = this.#closer.signal;
      if (stop.aborted) return;
      this.#bus = scopedBus(manager.scope, channelName(manager.prefix ?? '', this.name), isServiceMessage, (m) => this.#onMessage(m, this.#channelReply), () => this.#announce());
      const election = new LeaderElection(manager, this.name, { ...electionOptions, [KIND]: 'service' } as LeaderElectionOptions);
      stop.addEventListener('abort', () => void election.close(), { once: true });
      try {
        while (!stop.aborted) {
          const leadership = await election.lead({ signal: stop }).catch(() => undefined);
          if (!leadership) break;
          if (!(await this.#host(manager, leadership))) break;
          // A task between starts: a start that ended at once (a thawed leader steps down until its next
          // tick: crosslock/leader) must not spin without letting anything else run.
          await new Promise<void>((resolve) => {
            if (stop.aborted) return resolve();
            const timer = setTimeout(resolve, 0);
            stop.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
          });
        }
      } finally {
        await election.close();
      }
    } finally {
      this.#stopListening();
    }
  }

  /** Serves one start until its leadership ends or its alive lock is lost. False when hosting must stop. */
  async #host(manager: LockManager, leadership: Leadership): Promise<boolean> {
    const epoch = leadership.term;
    const hostId = randomId();
    this.#starts.add(hostId);
    if (this.#starts.size > 64) this.#starts.delete(this.#starts.values().next().value!);
    const end = new AbortController();
    const signal = AbortSignal.any([leadership.signal, end.signal]);
    let alive;
    try {
      alive = await manager.lock(aliveLock(this.name, epoch, hostId), reservedOptions({ timeout: Infinity, signal }));
    } catch {
      await leadership.resign();
      return true; // lost before it could serve: campaign again
    }
    alive.signal.addEventListener('abort', () => end.abort(alive.signal.reason), { once: true });
    const context: HostContext = { service: this.name, epoch, where: this.where, hostId, signal, guard: leadership.guard };
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
      this.#serving = { context, leadership, alive, endpoint, end };
      this.#announce();
      this.dispatchEvent(new HostEvent('host', context));
      await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
      return true;
    } finally {
      // From here this start runs nothing more (calls are refused), then says so, then lets clients see it gone.
      if (this.#serving?.context === context) this.#serving = undefined;
      this.#broadcast({ v, s: this.name, t: 'down', from: hostId, epoch });
      await alive.release().catch(() => {});
      await leadership.resign();
      this.dispatchEvent(new HostEvent('host', null));
    }
  }

  /** Says "I host" on every port and the channel (when hosting starts, and after a bfcache restore). */
  #announce(): void {
    const serving = this.#serving;
    if (serving) this.#broadcast(this.#hostMessage(serving));
  }

  #hostMessage(serving: Serving): HostMessage {
    return { v, s: this.name, t: 'host', from: serving.context.hostId, epoch: serving.context.epoch, where: this.where };
  }

  #broadcast(message: HostMessage): void {
    for (const port of this.#ports) attempt(() => port.postMessage(message));
    attempt(() => this.#bus?.post(message));
  }

  #onConnect = (event: MessageEvent): void => {
    const port = event.ports[0];
    if (port) this.accept(port);
  };

  #channelReply: Reply = (message) => this.#bus?.post(message);

  #onMessage(m: ServiceMessage, reply: Reply): void {
    if (m.s !== this.name) return;
    const serving = this.#serving;
    // serves() checks, synchronously, that this host may still act (a thawed one may not).
    if (m.t === 'hello') {
      if (serving && serves(serving)) attempt(() => reply(this.#hostMessage(serving)));
    } else if (m.t === 'call') this.#onCall(m, reply);
  }

  #onCall(m: Extract<ClientMessage, { t: 'call' }>, reply: Reply): void {
    const serving = this.#serving;
    const id = m.msg.id;
    // Only calls to one of this host's own starts are answered: a channel carries every host's calls, and
    // a `refused` from anyone but the host a call was sent to would wrongly tell the client it did not run.
    if (!this.#starts.has(m.to)) return;
    const answer = { v, s: this.name, from: m.to, to: m.from, id, epoch: m.epoch } as const;
    if (!serving || serving.context.hostId !== m.to || serving.context.epoch !== m.epoch || !serves(serving)) return attempt(() => reply({ ...answer, t: 'refused' }));
    attempt(() => reply({ ...answer, t: 'ack' }));
    const send = (msg: ComlinkMessage, transfer: Transferable[] = []): void => reply({ v, s: this.name, t: 'reply', from: m.to, to: m.from, id, msg }, transfer);
    const type = m.msg.type;
    if (type === 'RELEASE') return attempt(() => send({ id, type: 'RAW', value: undefined })); // comlink's "proxy released" would stop the endpoint every client shares
    if (type === 'ENDPOINT' || type === 'CONSTRUCT') return attempt(() => send(thrownMessage(id, sideChannel(type === 'ENDPOINT' ? 'createEndpoint' : '`new` on a remote'))));
    serving.endpoint.deliver(m.msg, (msg, transfer) => {
      if (transfer.some((t) => typeof MessagePort === 'function' && t instanceof MessagePort)) return send(thrownMessage(id, sideChannel('an answer made with comlink proxy()')));
      send(msg, transfer); // throws (DataCloneError) on what cannot be cloned: comlink then answers with a TypeError
    });
  }

  #stopListening(): void {
    if (this.where === 'shared-worker') removeEventListener('connect', this.#onConnect as EventListener);
    this.#ports.clear();
    this.#bus?.close();
    this.#bus = undefined;
  }
}

/** comlink's answer for call `id` that throws `error`. */
export function thrownMessage(id: string, error: Error): ComlinkMessage {
  return { id, type: 'HANDLER', name: 'throw', value: toWire(error) };
}

function sideChannel(what: string): UnsupportedError {
  return new UnsupportedError(`${what} is not supported by crosslock/service: calls through a raw MessagePort escape epochs and timeouts (a call to a dead host would never settle)`);
}

/** Posts that may fail (a port whose page went away, a closed channel): the alive lock tells the rest. */
function attempt(post: () => void): void {
  try {
    post();
  } catch {
    // nothing to tell any more
  }
}
