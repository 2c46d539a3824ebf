/**
 * The wallet's rounds. Round ids come from the clock every tab shares (`floor(now / period)`); at the
 * start of each round every tab calls `tryLock('round.<id>')` and exactly one gets it. That tab "takes
 * part": simulated work (half a round, so you can see it), then it asks the wallet service
 * (wallet-service.ts) to credit the wallet, which it does under the wallet lock through the
 * FencedStore. It keeps the round lock until the round ends, so no late tab can join the same round.
 */
import type { LockManager } from '../src/index.js';
import type { FencedStore } from '../src/fenced.js';
import type { ServiceClient } from '../src/service.js';
import type { Bus } from './bus.js';
import type { WalletService } from './wallet-service.js';

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
  readonly service: ServiceClient<WalletService>;
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
  const { locks, bus, tab, period, wallet, service } = ctx;
  const guard = await locks.tryLock(`round.${round}`);
  if (!guard) return; // another tab took this round: its event says which
  try {
    wallet.joined.push(round);
    bus.emit({ kind: 'round', tab, round, phase: 'joined' });
    await sleep(period * 0.5, guard.signal); // "signing": stops if the round lock is lost
    guard.signal.throwIfAborted();
    const generation = await service.remote.credit(round, tab);
    wallet.done.push(round);
    bus.emit({ kind: 'round', tab, round, phase: 'done', generation });
    await sleep((round + 1) * period - Date.now()); // keep the round: no late tab may join it
  } catch (error) {
    // Lost the round lock, the wallet service went away (ServiceGoneError: it may have credited it), or
    // its write was refused: the round is not counted here, and says why.
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
