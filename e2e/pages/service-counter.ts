/**
 * The service the service e2e runs (e2e/service.spec.ts): a counter whose every call is written, with
 * its call id and the host's epoch, to a ledger in IndexedDB through a FencedStore fenced by the host's
 * leadership. A call id written twice is a `dup:` entry: the spec fails on any. `hold()` writes that it
 * started and then waits until the host goes away (a call under way when it dies).
 */
import { StaleLockError, platformDefault, type LockManager } from '../../src/index.js';
import { FencedStore } from '../../src/fenced.js';
import type { HostContext } from '../../src/service.js';

export interface LedgerEntry {
  readonly epoch: number;
  readonly where: string;
  readonly hostId: string;
}

export const ledger = (): FencedStore<LedgerEntry> => new FencedStore<LedgerEntry>({ namespace: 'service-ledger' });

export const managerFor = (): Promise<LockManager> =>
  platformDefault({ prefix: 'e2e', requireOrigin: true }).then((chosen) => chosen.manager);

export class Counter {
  readonly #store = ledger();
  constructor(private readonly host: HostContext) {}

  async add(callId: string): Promise<LedgerEntry> {
    await this.#write(callId);
    return this.#entry();
  }

  /** Starts, writes that it did, says so on the `service-e2e` channel, and never finishes on its own. */
  async hold(callId: string): Promise<never> {
    await this.#write(callId);
    const channel = new BroadcastChannel('service-e2e');
    channel.postMessage({ started: callId });
    channel.close();
    return new Promise<never>(() => {});
  }

  fail(): number {
    throw new StaleLockError('e2e.counter', this.host.epoch, this.host.epoch + 1, 'thrown on purpose');
  }

  where(): LedgerEntry {
    return this.#entry();
  }

  #entry(): LedgerEntry {
    return { epoch: this.host.epoch, where: this.host.where, hostId: this.host.hostId };
  }

  async #write(callId: string): Promise<void> {
    const key = `call:${callId}`;
    if (await this.#store.get(key)) await this.#store.put(this.host.guard, `dup:${callId}:${this.host.epoch}`, this.#entry());
    await this.#store.put(this.host.guard, key, this.#entry());
  }
}
