/**
 * The page side of the driver: 8 slots, each one page of the context at a time. A slot's page is
 * frozen (CDP debugger pause), closed (no beforeunload), crashed (CDP `Page.crash`) or navigated away
 * and back (back/forward cache); a closed or crashed page, or one the back navigation reloaded instead
 * of restoring, is replaced by a fresh page with a fresh manager, so there are always 8.
 *
 * What happens to a slot is serialised (one page action at a time), and actor actions wait at the
 * slot's gate while a page action runs: nothing new is sent to a frozen or vanishing page, as no new
 * work starts in a tab that is hung or gone. `epoch` counts the page actions that end or
 * suspend the page's script context, so a rejected evaluation can be told apart: interrupted by us, or
 * a real failure.
 */
import type { BrowserContext, Page } from '@playwright/test';
import type { Tabs } from '../fixtures.js';
import type { ChaosConfig } from './configs.js';
import type { ActorAction, ActReport, PageAction } from './types.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** What a page action did, for the summary. */
export type PageOutcome =
  | { kind: 'freeze'; pausedMs: number }
  | { kind: 'close' | 'crash' }
  | { kind: 'bfcache'; restored: boolean; reasons: string[] };

export class Slot {
  page!: Page;
  incarnation = 0;
  epoch = 0;
  /** When this slot's pages were paused, in page time (`performance.timeOrigin + now()`). */
  readonly frozen: Array<[number, number]> = [];
  #gate: Promise<void> = Promise.resolve();
  /** True while a page action runs (set in the same task as the gate closes). */
  #busy = false;
  #lifecycle: Promise<unknown> = Promise.resolve();

  constructor(
    readonly index: number,
    private readonly config: Pick<ChaosConfig, 'page' | 'worker'>,
    private readonly context: BrowserContext,
    private readonly tabs: Tabs,
  ) {}

  get hostsWorker(): boolean {
    return this.config.worker?.host === this.index;
  }

  /** Opens this slot's next page and builds its manager (and the worker's, on the worker's host). */
  async open(): Promise<void> {
    const incarnation = ++this.incarnation;
    const [page] = await this.tabs.open(1, '/e2e/pages/chaos.html', 'chaos');
    this.page = page!;
    await this.#init(incarnation);
  }

  async #init(incarnation: number): Promise<void> {
    const setup = this.config.page(this.index, incarnation);
    const workerSetup = this.hostsWorker ? this.config.worker!.setup(incarnation) : undefined;
    await this.page.evaluate(([s, w]) => window.chaos.init(s, w), [setup, workerSetup] as const);
  }

  /** Runs an actor action on this slot's page (`worker`: on the worker it hosts) once the gate is open. */
  async act(action: ActorAction, worker: boolean): Promise<{ report: ActReport } | { error: unknown; interrupted: boolean }> {
    const result = await this.call((page) => (worker ? page.evaluate((a) => window.chaos.workerAct(a), action) : page.evaluate((a) => window.chaos.act(a), action)));
    return 'value' in result ? { report: result.value } : result;
  }

  /** Runs `fn` on this slot's page once the gate is open; a failure says whether a page action interrupted it. */
  async call<R>(fn: (page: Page) => Promise<R>): Promise<{ value: R } | { error: unknown; interrupted: boolean }> {
    while (this.#busy) await this.#gate;
    const epoch = this.epoch; // read in the same task as the page is picked: a page action starting later bumps it first
    try {
      return { value: await fn(this.page) };
    } catch (error) {
      return { error, interrupted: this.epoch !== epoch };
    }
  }

  /** Runs a page action, after any earlier one on this slot, with the gate closed meanwhile. */
  run(action: PageAction): Promise<PageOutcome> {
    const next = this.#lifecycle.then(async () => {
      let open!: () => void;
      this.#gate = new Promise<void>((resolve) => (open = resolve));
      this.#busy = true;
      try {
        return await this.#run(action);
      } finally {
        this.#busy = false;
        open();
      }
    });
    this.#lifecycle = next.catch(() => {});
    return next;
  }

  async #run(action: PageAction): Promise<PageOutcome> {
    switch (action.kind) {
      case 'freeze':
        return { kind: 'freeze', pausedMs: await this.#freeze(action.ms) };
      case 'close':
        this.epoch++;
        await this.tabs.close(this.page);
        await this.open();
        return { kind: 'close' };
      case 'crash':
        this.epoch++;
        await this.tabs.crash(this.page);
        await this.open();
        return { kind: 'crash' };
      case 'bfcache':
        return this.#backForward();
    }
  }

  /** Stops the page's main thread for `ms` (the workload's delay) once the pause has taken effect. */
  async #freeze(ms: number): Promise<number> {
    const cdp = await this.context.newCDPSession(this.page);
    const from = await this.page.evaluate(() => window.chaos.now());
    await cdp.send('Debugger.enable');
    const paused = new Promise<void>((resolve) => cdp.once('Debugger.paused', () => resolve()));
    await cdp.send('Debugger.pause');
    await paused; // the heartbeat runs script within 25 ms
    await sleep(ms);
    await cdp.send('Debugger.resume');
    await cdp.send('Debugger.disable');
    await cdp.detach();
    const to = await this.page.evaluate(() => window.chaos.now());
    this.frozen.push([from, to]);
    return to - from;
  }

  /**
   * Navigates to another same-origin page and back. Restored from the back/forward cache, the page
   * (its manager, its guards, its pending calls) goes on; reloaded instead, it is a new page with a new
   * manager, like a replacement.
   */
  async #backForward(): Promise<PageOutcome> {
    const cdp = await this.context.newCDPSession(this.page);
    let reasons: string[] = [];
    cdp.on('Page.backForwardCacheNotUsed', (event) => (reasons = event.notRestoredExplanations.map((e) => e.reason)));
    await cdp.send('Page.enable');
    this.epoch++;
    await this.page.goto('/e2e/pages/chaos-away.html');
    // A restored page fires no load event: wait for the commit, then for a usable chaos page.
    await this.page.goBack({ waitUntil: 'commit' });
    await this.page.waitForFunction(() => document.readyState === 'complete' && 'chaos' in window);
    const shows = await this.page.evaluate(() => window.chaos.shows());
    await cdp.detach().catch(() => {});
    const restored = shows.length > 1 && shows[shows.length - 1] === true;
    if (!restored) {
      this.incarnation++;
      await this.#init(this.incarnation);
    }
    return { kind: 'bfcache', restored, reasons };
  }

  /** Waits for the slot's page actions to end. */
  async settled(): Promise<void> {
    await this.#lifecycle;
  }
}
