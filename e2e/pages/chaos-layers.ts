/**
 * A page's coordination layer under chaos (e2e/chaos/layers/): one campaign of its configuration's layer
 * at a time (chaos-layer-leader.ts, chaos-layer-service.ts, chaos-layer-backup.ts), the actions the
 * driver sends it, and what the end of a run asks: drain, "do you lead?", "prove it", "close for good",
 * and the dump of everything the run left in IndexedDB.
 *
 * `startLayer()` is called by `window.chaos.init` (chaos.ts) when the setup names a layer, after
 * `installFaults()` ran before the page's manager was made (chaos-layer-log.ts).
 */
import type { LockManager } from '../../src/index.js';
import type { LayerAction, LayerDump, LayerKind, LayerReport, LayerSetup } from '../chaos/layers/types.js';
import { shiftClock } from './chaos-actor.js';
import { dumpLog, failNext } from './chaos-layer-log.js';
import { BackupCampaign, storedBackups } from './chaos-layer-backup.js';
import { chain, sleep, Sink, type Campaign } from './chaos-layer-kit.js';
import { LeaderCampaign } from './chaos-layer-leader.js';
import { ServiceCampaign } from './chaos-layer-service.js';

export { installFaults } from './chaos-layer-log.js';

/** How long a drain waits for the page's promises before naming the ones that never settled. */
const DRAIN_MS = 30_000;

export class Layer {
  readonly sink: Sink;
  #campaign: Campaign;
  #leads = 0;
  /** False once closed for good (the end's liveness check). */
  #open = true;

  constructor(
    readonly manager: LockManager,
    tag: string,
    readonly setup: LayerSetup,
  ) {
    this.sink = new Sink(tag);
    this.#campaign = this.#make();
  }

  #make(): Campaign {
    const next = (): number => ++this.#leads;
    switch (this.setup.kind) {
      case 'leader':
        return new LeaderCampaign(this.manager, this.sink, this.setup, next);
      case 'service':
        return new ServiceCampaign(this.manager, this.sink, this.setup, next);
      case 'backup':
        return new BackupCampaign(this.manager, this.sink, next);
    }
  }

  /** Runs one action; never rejects (failures come back as problems). */
  async act(action: LayerAction): Promise<LayerReport> {
    const campaign = this.#campaign;
    await this.sink.track(`action ${action.kind}`, this.#run(action, campaign));
    return this.sink.take();
  }

  async #run(action: LayerAction, campaign: Campaign): Promise<void> {
    if (!this.#open) return;
    switch (action.kind) {
      case 'act':
        return campaign.act(action.holdMs);
      case 'read':
        return campaign.read();
      case 'resign':
        return campaign.resign();
      case 'reopen': {
        if (this.#campaign !== campaign) return; // another reopen got here first
        this.#campaign = this.#make();
        const wrong = await closed(campaign);
        if (wrong) this.sink.problem(`reopen: ${wrong}`);
        return;
      }
      case 'fail':
        return failNext(action.transactions);
      case 'clock':
        shiftClock(action.offsetMs);
        await sleep(action.durationMs);
        shiftClock(-action.offsetMs);
        return;
    }
  }

  /** No more faults; resolves once nothing of this page is in flight (or names what never settled). */
  async drain(): Promise<LayerReport> {
    failNext(0);
    for (const label of await this.sink.idle(DRAIN_MS)) this.sink.problem(`never settled: ${label}`);
    return this.sink.take();
  }

  /** Whether this page's campaign leads (hosts) within `ms`. */
  leads(ms: number): Promise<boolean> {
    const campaign = this.#campaign;
    if (campaign.leading()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(campaign.leading()), ms);
      campaign.onLead(() => {
        if (!campaign.leading()) return;
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** The action that must succeed while this page leads (or, for the service, from any page). */
  async prove(): Promise<{ outcome: string; report: LayerReport }> {
    const outcome = await this.#campaign.prove();
    return { outcome, report: this.sink.take() };
  }

  /** Closes the campaign for good. */
  async close(): Promise<LayerReport> {
    this.#open = false;
    const wrong = await closed(this.#campaign);
    if (wrong) this.sink.problem(`close: ${wrong}`);
    return this.sink.take();
  }
}

/** Closes `campaign`: what is wrong after it (close() that never settles included, named after DRAIN_MS). */
function closed(campaign: Campaign): Promise<string | undefined> {
  return Promise.race([campaign.close(), sleep(DRAIN_MS).then(() => `close() did not settle within ${DRAIN_MS} ms`)]);
}

/** Everything the run left in IndexedDB (read by one page at the end). */
export async function dumpLayers(kind: LayerKind): Promise<LayerDump> {
  const [logged, counter, backups] = await Promise.all([dumpLog(), kind === 'backup' ? undefined : chain.get(kind), storedBackups()]);
  return { ...logged, counter, ...backups };
}
