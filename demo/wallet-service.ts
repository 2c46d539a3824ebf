/**
 * The wallet as a service (crosslock/service): its state lives in ONE place per origin, a SharedWorker
 * (wallet-worker.ts), or, where SharedWorker is missing (or `?service=tab`), the tab elected to host it.
 * Tabs show what it says and ask it to act: the round's participant asks it to credit the wallet. The
 * service writes under the wallet lock ('state') through the FencedStore, as the tabs did before, so the
 * zombie tab (rounds.ts) still contends with it, and it reloads when that lock comes back poisoned.
 */
import type { LockManager } from '../src/index.js';
import type { FencedStore } from '../src/fenced.js';
import type { HostContext } from '../src/service.js';
import type { Bus } from './bus.js';

export interface WalletState {
  readonly balance: number;
  readonly epoch: number;
  /** 'SharedWorker', or the tab hosting it. */
  readonly host: string;
}

export class WalletService {
  #balance: number | undefined;

  constructor(
    private readonly ctx: HostContext,
    private readonly locks: LockManager,
    private readonly store: FencedStore<unknown>,
    private readonly bus: Bus,
    /** Where it runs, as the page shows it. */
    private readonly host: string,
  ) {}

  async state(): Promise<WalletState> {
    const balance = this.#balance ?? (((await this.store.get('balance')) as number | undefined) ?? 0);
    return { balance, epoch: this.ctx.epoch, host: this.host };
  }

  /** Credits round `round`, taken part in by `tab`; resolves with the wallet lock's generation. */
  async credit(round: number, tab: string): Promise<number> {
    return this.locks.withLock('state', { timeout: 5000 }, async (state) => {
      if (state.poisoned || this.#balance === undefined) {
        this.#balance = ((await this.store.get('balance')) as number | undefined) ?? 0;
        if (state.poisoned) this.bus.emit({ kind: 'reload', tab: this.host, generation: state.generation, balance: this.#balance });
      }
      const balance = this.#balance + 1;
      // One transaction: the balance and the round that made it are never seen (or left) half written.
      await this.store.putAll(state, [
        ['balance', balance],
        [`round.${round}`, { tab, generation: state.generation, epoch: this.ctx.epoch }],
      ]);
      this.#balance = balance;
      return state.generation!;
    });
  }
}
