/**
 * The wallet's rounds. Round ids come from the clock every tab shares (`floor(now / period)`); at the
 * start of each round every tab calls `tryLock('round.<id>')` and exactly one gets it. That tab "takes
 * part": simulated work (half a round, so you can see it), then, under the wallet lock, it credits the
 * wallet through the FencedStore. It keeps the round lock until the round ends, so no late tab can join
 * the same round. A tab whose wallet lock is poisoned (another tab changed the wallet since it last held
 * it) reloads the balance first, and says so.
 */
import type { LockManager } from '../src/index.js';
import type { FencedStore } from '../src/fenced.js';
import type { Bus } from './bus.js';

export interface Wallet {
  balance: number;
  joined: number[];
  done: number[];
}

export interface RoundContext {
  readonly tab: string;
  readonly locks: LockManager;
  readonly store: FencedStore<unknown>;
  readonly bus: Bus;
  readonly period: number;
  readonly wallet: Wallet;
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });

export function startRounds(ctx: RoundContext): void {
  const next = (): void => {
    const now = Date.now();
    setTimeout(() => {
      next();
      void takePart(ctx, Math.floor(Date.now() / ctx.period));
    }, ctx.period - (now % ctx.period) + 5);
  };
  next();
}

async function takePart(ctx: RoundContext, round: number): Promise<void> {
  const { locks, store, bus, tab, period, wallet } = ctx;
  const guard = await locks.tryLock(`round.${round}`);
  if (!guard) return; // another tab took this round: its event says which
  try {
    wallet.joined.push(round);
    bus.emit({ kind: 'round', tab, round, phase: 'joined' });
    await sleep(period * 0.5, guard.signal); // "signing": stops if the round lock is lost
    const generation = await locks.withLock('state', { timeout: period }, async (state) => {
      if (state.poisoned) {
        wallet.balance = ((await store.get('balance')) as number | undefined) ?? 0;
        bus.emit({ kind: 'reload', tab, generation: state.generation, balance: wallet.balance });
      }
      const balance = wallet.balance + 1;
      await store.put(state, 'balance', balance);
      await store.put(state, `round.${round}`, { tab, generation: state.generation });
      wallet.balance = balance;
      return state.generation;
    });
    wallet.done.push(round);
    bus.emit({ kind: 'round', tab, round, phase: 'done', generation });
    await sleep((round + 1) * period - Date.now()); // keep the round: no late tab may join it
  } catch (error) {
    // Lost the round lock, or the wallet write was refused: the round is not counted, and says why.
    bus.emit({ kind: 'round', tab, round, phase: 'lost', detail: `${(error as Error).name}` });
  } finally {
    await guard.release();
  }
}

/**
 * The zombie: take the wallet lock, then freeze this tab's main thread for `ms` (as a frozen or hung tab
 * is), then write as if still holding it. With leases, another tab takes over once the lease lapses,
 * and the late write is refused by the FencedStore.
 */
export async function zombie(ctx: RoundContext, ms: number): Promise<void> {
  const { locks, store, bus, tab } = ctx;
  const guard = await locks.lock('state', { timeout: ctx.period * 2 });
  const before = ((await store.get('balance')) as number | undefined) ?? 0;
  bus.emit({ kind: 'zombie', tab, outcome: 'frozen', detail: `holding the wallet at ${before} sats` });
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // Frozen: no task of this tab runs, no lease is renewed.
  }
  try {
    await store.put(guard, 'balance', before + 100);
    bus.emit({ kind: 'zombie', tab, outcome: 'accepted', detail: `wrote ${before + 100} sats` });
  } catch (error) {
    bus.emit({ kind: 'zombie', tab, outcome: 'rejected', detail: `${(error as Error).name}: late write of ${before + 100} sats refused` });
  } finally {
    await guard.release();
  }
}
