/**
 * The `service` chaos campaign of a page: a `connect()` client of service `chaos` in mode `'channel'`
 * with a `fallback`, so the page elected hosts the service itself (`client.localHost`), and every page's
 * client calls whichever page hosts.
 *
 * The service (`Recorder`) has one method, `record(callId, holdMs)`. Its body first logs that call
 * `callId` started running on this host (the checker: no call id runs twice), then makes a fenced chain
 * write under the host's guard (chaos-layer-kit.ts: terms are epochs; one epoch, one host), then holds the
 * call `holdMs` (so calls are under way when hosts freeze, crash or close), and answers with its host.
 * The factory logs the start's leadership before the host serves.
 *
 * Only `close()` may end the host's campaign: `closed` resolving, or an `'error'` event saying it stopped
 * for good (`retryInMs` undefined), while the client is not closed is a dead campaign. Other `'error'`
 * events (and the client's `'gone'` events) are counted.
 */
import type { LockManager } from '../../src/index.js';
import { connect, type HostContext, type ServiceClient, type ServiceHost } from '../../src/service.js';
import { SERVICE, type LayerSetup } from '../chaos/layers/types.js';
import { LOCK_PREFIX } from '../chaos/types.js';
import { logExecution, logLead, storedGeneration } from './chaos-layer-log.js';
import { describe, fencedWrite, nameOf, now, sleep, type Campaign, type Sink } from './chaos-layer-kit.js';

class Recorder {
  constructor(
    private readonly host: HostContext,
    private readonly manager: LockManager,
    private readonly sink: Sink,
  ) {}

  async record(callId: string, holdMs: number): Promise<{ hostId: string; epoch: number }> {
    const { hostId, epoch, guard } = this.host;
    await logExecution({ callId, hostId, epoch, actor: this.sink.tag });
    const { report, error } = await fencedWrite(guard, 'service', epoch, this.manager.clientId, this.sink.tag, `${callId}@${hostId}`);
    this.sink.writes.push(report);
    if (error !== undefined) throw error;
    if (holdMs > 0) await sleep(holdMs);
    return { hostId, epoch };
  }
}

export class ServiceCampaign implements Campaign {
  readonly client: ServiceClient<Recorder>;
  #host: ServiceHost | undefined;
  #closing = false;
  readonly #listeners: Array<() => void> = [];

  constructor(
    readonly manager: LockManager,
    readonly sink: Sink,
    readonly setup: LayerSetup,
    readonly next: () => number,
  ) {
    this.client = connect<Recorder>(SERVICE, {
      manager,
      mode: 'channel',
      fallback: (host) => this.#start(host),
      timeout: setup.callTimeoutMs,
      heartbeatMs: setup.heartbeatMs,
      staleAfterMs: setup.staleAfterMs,
    });
    this.client.addEventListener('gone', () => sink.countError({ name: 'gone' }));
    // The client makes its host in a job queued by connect() (its manager, given as is, resolves at once):
    // a job queued now runs after it.
    void Promise.resolve().then(() => this.#watch());
  }

  #watch(): void {
    const host = (this.#host = this.client.localHost);
    if (!host) return this.sink.problem('connect() with a fallback made no local host');
    host.addEventListener('host', (event) => {
      if (event.context) for (const listener of this.#listeners) listener();
    });
    host.addEventListener('error', (event) => {
      this.sink.countError(event.error);
      if (event.error?.retryInMs === undefined && !this.#closing) this.sink.problem(`its service host stopped for good without close(): ${describe(event.error?.cause ?? event.error)}`);
    });
    this.sink.watch(
      'the service host',
      host.closed.then(() => {
        if (!this.#closing) this.sink.problem('its service host ended (closed resolved) without close()');
      }),
    );
  }

  async #start(host: HostContext): Promise<Recorder> {
    const seq = this.next();
    const stored = await storedGeneration(`${LOCK_PREFIX}+${host.guard.name}`);
    await logLead({ lockName: 'service', generation: host.epoch, owner: this.manager.clientId, actor: this.sink.tag, seq, stored });
    return new Recorder(host, this.manager, this.sink);
  }

  leading(): boolean {
    const context = this.#host?.context;
    return !!context && !context.signal.aborted;
  }

  onLead(listener: () => void): void {
    this.#listeners.push(listener);
  }

  async act(holdMs: number): Promise<void> {
    await this.call(this.sink.id(), holdMs);
  }

  /** One call; its outcome string (`ok` or the error's name). */
  async call(callId: string, holdMs: number): Promise<string> {
    const requestedAt = now();
    const base = { callId, timeout: this.client.timeout, requestedAt };
    try {
      const { hostId } = await this.client.remote.record(callId, holdMs);
      this.sink.calls.push({ ...base, outcome: 'ok', hostId, settledAt: now() });
      return 'ok';
    } catch (error) {
      const e = error as Error & { accepted?: boolean };
      this.sink.calls.push({ ...base, outcome: nameOf(e), ...(e?.accepted === undefined ? {} : { accepted: e.accepted }), detail: e?.message, settledAt: now() });
      return `${nameOf(e)} (${e?.message})`;
    }
  }

  async resign(): Promise<void> {}

  async read(): Promise<void> {}

  async prove(): Promise<string> {
    const outcome = await this.call(`final.${this.sink.id()}`, 0);
    return outcome === 'ok' ? outcome : `${outcome}; this client follows ${JSON.stringify(this.client.host)}, its own host serves ${JSON.stringify(this.#host?.context?.epoch ?? null)}`;
  }

  async close(): Promise<string | undefined> {
    this.#closing = true;
    await this.client.close();
    if (this.#host?.context) return `its host still serves (epoch ${this.#host.context.epoch}) after close() resolved`;
    return undefined;
  }
}
