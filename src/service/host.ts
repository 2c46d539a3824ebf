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
 *   alive lock up. A host never dies silently: only `close()`, the caller's abort or a closed manager end
 *   its campaign; any other failure is an `'error'` event and it campaigns again after a capped backoff
 *   (campaign.ts). The start's `signal` runs the lease and staleness checks when read (campaign.ts).
 * - After `close()` resolves nothing serves, every start has ended, its locks are released, and no
 *   listener is left on the ports it accepted or its channel: `close()` landing between the election's
 *   grant and serving ends the start there (the start's signal follows the host's own).
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
import { pause, retryInMs } from '../core/signals.js';
import { startSignal, type StartOutcome } from './campaign.js';
import { HostEndpoint } from './endpoint.js';
import { answerCall, attempt, serves, type Reply, type Serving } from './host-calls.js';
import { ServiceClosedError, ServiceHostError, type ServiceHostErrorKind } from './errors.js';
import { aliveLock, channelName, checkServiceName, isServiceMessage, SERVICE_PROTOCOL_VERSION as v, type ClientMessage, type HostMessage, type HostWhere, type ServiceMessage } from './messages.js';
import { checkHosting, HostEvent, whereAmI, type HostContext, type Implementation, type ServeOptions } from './hosting.js';
import { useTypedErrors } from './wire-errors.js';

/** The typed listeners (declaration merging: no code). */
export interface ServiceHost {
  addEventListener(type: 'host' | 'error', listener: (event: HostEvent) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
  removeEventListener(type: 'host' | 'error', listener: (event: HostEvent) => void, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void;
}

/** Hosts `implementation` as service `name`; see the module comment. */
export function serve<T extends object>(name: string, implementation: Implementation<T>, options: ServeOptions): ServiceHost {
  return new ServiceHost(name, implementation as Implementation<object>, options);
}

export class ServiceHost extends EventTarget {
  readonly name: string;
  readonly where: HostWhere = whereAmI();
  /** Resolves once this host stopped for good: closed (or its signal aborted), or its manager failed or closed ('error'). */
  readonly closed: Promise<void>;
  readonly #implementation: Implementation<object>;
  readonly #closer = new AbortController();
  /** The ports accepted, with their listeners (removed when the host stops). */
  readonly #ports = new Map<MessagePort, (e: MessageEvent) => void>();
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
    this.closed = this.#run(manager, election).catch((error: unknown) => this.#failed('manager', undefined, error));
  }

  /** The start this host serves now, or `null`. */
  get context(): HostContext | null {
    return this.#serving?.context ?? null;
  }

  /** Stops hosting: says `down`, releases the epoch (another host may start at once), stops listening. */
  async close(): Promise<void> {
    if (!this.#closer.signal.aborted) this.#closer.abort(new ServiceClosedError(this.name));
    await this.closed;
  }

  /**
   * Serves clients on `port` too, as a SharedWorker does each `connect` port: any MessagePort whose other
   * end a client's `worker()` returns (`{ port }`). A port whose first message is for another service is
   * dropped (several services may share one SharedWorker and its `connect` events).
   */
  accept(port: MessagePort): void {
    if (this.#closer.signal.aborted || this.#ports.has(port)) return;
    const reply: Reply = (message, transfer) => port.postMessage(message, transfer ?? []);
    const onMessage = (e: MessageEvent): void => {
      const m = e.data as unknown;
      if (!isServiceMessage(m)) return;
      if (m.s !== this.name || m.t === 'bye') return this.#drop(port);
      this.#onMessage(m, reply);
    };
    this.#ports.set(port, onMessage);
    port.addEventListener('message', onMessage);
    port.start();
  }

  async #run(managerOrPromise: ServeOptions['manager'], electionOptions: { staleAfterMs?: number; heartbeatMs?: number }): Promise<void> {
    const stop = this.#closer.signal;
    let election: LeaderElection | undefined;
    const onStop = (): void => void election?.close();
    stop.addEventListener('abort', onStop, { once: true });
    try {
      let manager: LockManager;
      try {
        manager = await managerOrPromise;
        if (typeof manager?.lock !== 'function') throw new UnsupportedError('serve() needs `manager`: a crosslock LockManager');
        checkServiceName(manager.prefix, this.name);
        if (stop.aborted) return;
        election = new LeaderElection(manager, this.name, { ...electionOptions, [KIND]: 'service' } as LeaderElectionOptions);
        // The election tries again on its own after a failed try for its lock (crosslock/leader): said as ours.
        election.addEventListener('error', (event) => this.#failed('election', event.error.retryInMs, event.error.cause));
      } catch (error) {
        return this.#failed('manager', undefined, error);
      }
      this.#bus = scopedBus(manager.scope, channelName(manager.prefix ?? '', this.name), isServiceMessage, (m) => this.#onMessage(m, this.#channelReply), () => this.#announce());
      for (let failures = 0; !stop.aborted; ) {
        let outcome: StartOutcome;
        try {
          outcome = await this.#start(manager, await election.lead({ signal: stop }));
        } catch (error) {
          outcome = { kind: 'election', cause: error };
        }
        if (stop.aborted) break;
        if (typeof outcome === 'object') {
          const closed = (outcome.cause as { name?: unknown } | null)?.name === 'ManagerClosedError';
          const retry = closed ? undefined : retryInMs(++failures);
          this.#failed(closed ? 'manager' : outcome.kind, retry, outcome.cause, outcome.context);
          if (retry === undefined) break;
          await pause(retry, stop);
        } else {
          if (outcome) failures = 0;
          // A task between starts: a start that ended at once (a thawed leader steps down until its next
          // tick: crosslock/leader) must not spin without letting anything else run.
          await pause(0, stop);
        }
      }
    } finally {
      stop.removeEventListener('abort', onStop);
      await election?.close();
      this.#stopListening();
    }
  }

  /** Says a failure (`retryInMs` undefined: hosting stopped for good). */
  #failed(kind: ServiceHostErrorKind, retry: number | undefined, cause: unknown, context?: HostContext): void {
    this.dispatchEvent(new HostEvent('error', context ?? null, new ServiceHostError(this.name, kind, retry, cause)));
  }

  /** Serves one start until its leadership ends, its alive lock is lost or the host closes; then gives both up. */
  async #start(manager: LockManager, leadership: Leadership): Promise<StartOutcome> {
    const epoch = leadership.term;
    const hostId = randomId();
    this.#starts.add(hostId);
    if (this.#starts.size > 64) this.#starts.delete(this.#starts.values().next().value!);
    // Ends with the host too: a close() that came between the election's grant and here ends it at once.
    const end = startSignal({ signal: this.#closer.signal }, leadership);
    const context: HostContext = { service: this.name, epoch, where: this.where, hostId, get signal() { return end.signal; }, guard: leadership.guard };
    // Asked for without a signal: nobody else ever asks for it exclusively, so it comes at once, and a start
    // that ended meanwhile waits for it and gives it back (an aborted request may still be granted later, on
    // Web Locks while its ledger write is in flight: it would be held after close() resolved).
    const asked = manager.lock(aliveLock(this.name, epoch, hostId), reservedOptions({ timeout: Infinity }));
    let alive: LockGuard | undefined;
    let served = false;
    try {
      try {
        alive = await Promise.race([asked, end.ended]);
      } catch (error) {
        return end.signal.aborted ? false : { kind: 'alive-lock', cause: error };
      }
      if (!alive) return false;
      end.watch(alive);
      let object: object | undefined;
      try {
        // Not waited for once the start ended (its signal aborted): what it makes later is dropped.
        if (!end.signal.aborted) object = typeof this.#implementation === 'function' ? await Promise.race([(this.#implementation as (host: HostContext) => object | PromiseLike<object>)(context), end.ended]) : this.#implementation;
        if (end.signal.aborted) return false;
        if (!object || (typeof object !== 'object' && typeof object !== 'function')) throw new TypeError(`the implementation factory of "${this.name}" returned ${object === null ? 'null' : typeof object}`);
      } catch (error) {
        // A factory that failed because its start ended meanwhile (it read the signal) is no failure.
        if (end.signal.aborted) return false;
        end.end(error);
        return { kind: 'factory', cause: error, context };
      }
      const endpoint = new HostEndpoint();
      expose(object, endpoint);
      this.#serving = { context, endpoint };
      served = true;
      this.#announce();
      this.dispatchEvent(new HostEvent('host', context));
      await end.ended;
      return true;
    } finally {
      // From here this start runs nothing more (calls are refused), then says so, then lets clients see it gone.
      end.end();
      if (this.#serving?.context === context) this.#serving = undefined;
      this.#broadcast({ v, s: this.name, t: 'down', from: hostId, epoch });
      await (alive ? alive.release() : asked.then((guard) => guard.release())).catch(() => {});
      await leadership.resign();
      if (served) this.dispatchEvent(new HostEvent('host', null));
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
    for (const port of this.#ports.keys()) attempt(() => port.postMessage(message));
    attempt(() => this.#bus?.post(message));
  }

  #onConnect = (event: MessageEvent): void => {
    const port = event.ports[0];
    if (port) this.accept(port);
  };

  #channelReply: Reply = (message) => this.#bus?.post(message);

  #onMessage(m: ServiceMessage, reply: Reply): void {
    if (m.s !== this.name || this.#closer.signal.aborted) return;
    const serving = this.#serving;
    // serves() checks, synchronously, that this host may still act (a thawed one may not).
    if (m.t === 'hello') {
      if (serving && serves(serving)) attempt(() => reply(this.#hostMessage(serving)));
    } else if (m.t === 'call') this.#onCall(m, reply);
  }

  #onCall(m: Extract<ClientMessage, { t: 'call' }>, reply: Reply): void {
    // Only calls to one of this host's own starts are answered: a channel carries every host's calls, and
    // a `refused` from anyone but the host a call was sent to would wrongly tell the client it did not run.
    if (!this.#starts.has(m.to)) return;
    answerCall(this.name, this.#serving, m, reply);
  }

  /** Stops listening on `port` (it said `bye`, or is another service's). */
  #drop(port: MessagePort): void {
    const listener = this.#ports.get(port);
    this.#ports.delete(port);
    if (listener) port.removeEventListener('message', listener);
  }

  #stopListening(): void {
    if (this.where === 'shared-worker') removeEventListener('connect', this.#onConnect as EventListener);
    for (const port of [...this.#ports.keys()]) this.#drop(port);
    this.#bus?.close();
    this.#bus = undefined;
  }
}
