/**
 * What the layers' chaos campaigns (chaos-layer-*.ts) share in a page: the report under way (`Sink`),
 * the page's count of promises in flight (drained at the end, each with a label, so one that never
 * settles is named; a campaign's own loop is watched, not drained: it lives until its close()), and the fenced chain write that every leader action and every service execution is.
 *
 * THE FENCED CHAIN (as e2e/pages/chaos-actor.ts does it for locks): a read-modify-write of the counter
 * `{ n, id }` kept under the layer's name in a `FencedStore`: read, log the intent `{ id, prev, n + 1,
 * generation: the term }` in its own committed transaction, then `put` under the leadership's guard. The
 * checker walks the chain back from the final value (e2e/chaos/invariants.ts): terms never go down along
 * it and one term's writes come from one manager, so two leaders acting in one term, or a stale leader's
 * write accepted, show. A write is always attempted, even when the leadership is known over: the store
 * must refuse it.
 */
import type { LockGuard } from '../../src/index.js';
import { FencedStore } from '../../src/fenced.js';
import type { Counter, WriteReport } from '../chaos/types.js';
import { LAYER_NAMESPACE, type LayerKind, type LayerReport, type ServiceCallReport, type UpdateReport } from '../chaos/layers/types.js';
import { logIntent, takeInjected } from './chaos-layer-log.js';

export const now = (): number => performance.timeOrigin + performance.now();
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/** An error's name, with its `kind` when it has one (`StorageError:failed`). */
export const nameOf = (e: unknown): string => `${(e as Error)?.name ?? typeof e}${(e as { kind?: unknown })?.kind ? `:${(e as { kind: string }).kind}` : ''}`;
export const describe = (e: unknown): string => `${nameOf(e)}: ${(e as Error)?.message ?? String(e)}`;

/** The report under way: filled by actions and by the campaigns' events, taken by the next report. */
export class Sink {
  writes: WriteReport[] = [];
  calls: ServiceCallReport[] = [];
  updates: UpdateReport[] = [];
  errorEvents: Record<string, number> = {};
  problems: string[] = [];
  readonly #pending = new Map<symbol, string>();
  #serial = 0;
  #idle: Array<() => void> = [];

  constructor(readonly tag: string) {}

  /** `<tag>.<n>`: an id no other action of this page (whichever campaign) has. */
  id(): string {
    return `${this.tag}.${++this.#serial}`;
  }

  countError(error: unknown): void {
    const key = nameOf(error);
    this.errorEvents[key] = (this.errorEvents[key] ?? 0) + 1;
  }

  problem(text: string): void {
    this.problems.push(`${this.tag}: ${text}`);
  }

  /** Counts `promise` as in flight until it settles; a rejection is a problem (`label` says what failed). */
  track<T>(label: string, promise: Promise<T>): Promise<T | undefined> {
    const key = Symbol(label);
    this.#pending.set(key, label);
    return promise
      .catch((error: unknown) => void this.problem(`${label}: unexpected ${describe(error)}`))
      .finally(() => {
        this.#pending.delete(key);
        if (this.#pending.size === 0) for (const resolve of this.#idle.splice(0)) resolve();
      });
  }

  /** Watches a promise that lives as long as a campaign (not drained): a rejection is a problem. */
  watch(label: string, promise: Promise<unknown>): void {
    promise.catch((error: unknown) => this.problem(`${label}: unexpected ${describe(error)}`));
  }

  /** Resolves once nothing is in flight, or after `ms` with the labels still pending. */
  async idle(ms: number): Promise<string[]> {
    if (this.#pending.size > 0) await Promise.race([new Promise<void>((resolve) => this.#idle.push(resolve)), sleep(ms)]);
    return [...this.#pending.values()];
  }

  take(): LayerReport {
    const report: LayerReport = { actor: this.tag, writes: this.writes, calls: this.calls, updates: this.updates, errorEvents: this.errorEvents, injected: takeInjected(), problems: this.problems };
    this.writes = [];
    this.calls = [];
    this.updates = [];
    this.errorEvents = {};
    this.problems = [];
    return report;
  }
}

export const chain = new FencedStore<Counter>({ namespace: LAYER_NAMESPACE });

/**
 * One fenced chain write of `lockName` under `guard` (term `generation`) with intent id `id`; its report,
 * and the error it failed with (a read that failed logs no intent and reports the error's name).
 */
export function fencedWrite(guard: LockGuard, lockName: LayerKind, generation: number, owner: string, actor: string, id: string): Promise<{ report: WriteReport; error?: unknown }> {
  const written = writing.then(() => write(guard, lockName, generation, owner, actor, id));
  writing = written.catch(() => {});
  return written;
}

/**
 * One page's chain writes, one at a time: a leader (a host) runs several actions (calls) at once, and two
 * read-modify-writes of its own under one guard would both be accepted and one lost. Two leaders of
 * different pages are not serialised: that is what the chain catches.
 */
let writing: Promise<unknown> = Promise.resolve();

async function write(guard: LockGuard, lockName: LayerKind, generation: number, owner: string, actor: string, id: string): Promise<{ report: WriteReport; error?: unknown }> {
  let current: Counter;
  try {
    current = (await chain.get(lockName)) ?? { n: 0, id: 'start' };
  } catch (error) {
    return { report: { id, lockName, outcome: nameOf(error), reason: 'the read before it failed' }, error };
  }
  await logIntent({ id, prev: current.id, n: current.n + 1, lockName, generation, owner, actor });
  try {
    await chain.put(guard, lockName, { n: current.n + 1, id });
    return { report: { id, lockName, outcome: 'ok' } };
  } catch (error) {
    const e = error as Error;
    if (e?.name !== 'StaleLockError') return { report: { id, lockName, outcome: nameOf(e) }, error };
    const reason = e.message.replace(/^.*? refused: /, '').replace(/\(generation is now \d+\)/, '').replace(/\(.*\)$/, '').trim();
    const bySignal = /^(the guard was released|the lock was lost)/.test(reason);
    return { report: { id, lockName, outcome: 'StaleLockError', refusedBy: bySignal ? 'signal' : 'store', reason }, error };
  }
}

/** Resolves when `signal` aborts. */
export const aborted = (signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));

/** What each layer's campaign offers the page (chaos-layers.ts). */
export interface Campaign {
  /** Whether it leads (hosts) now, checked afresh. */
  leading(): boolean;
  /** Calls `listener` each time it starts leading (hosting). */
  onLead(listener: () => void): void;
  act(holdMs: number): Promise<void>;
  resign(): Promise<void>;
  read(): Promise<void>;
  /** One action that must succeed while it leads (the end's liveness check): `ok`, or what happened. */
  prove(): Promise<string>;
  /** close()s it; resolves once close() did, with what is wrong after it (nothing may lead then). */
  close(): Promise<string | undefined>;
}
