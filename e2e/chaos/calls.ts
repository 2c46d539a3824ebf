/**
 * What the actors of every configuration share (a page's or the worker's, e2e/pages/chaos-actor.ts; a
 * Redis process's, redis/child.ts): how a lock call is armed with its abort, how a call that was not
 * granted is told apart, how a StaleLockError's refusal is read, the count of work in flight that a
 * drain waits for, and the guards kept past their action. It runs in pages, workers and Node processes
 * (nothing but timers, AbortController and DOMException).
 */
import type { CallOutcome, LockCall, WriteReport } from './types.js';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
export const describe = (e: unknown): string => `${(e as Error)?.name}: ${(e as Error)?.message}`;

/** A lock()/withLock() call ready to be made: its options, the base of its report, and its abort. */
export interface ArmedCall<V extends LockCall['via']> {
  readonly options: { readonly timeout: number; readonly mode: LockCall['mode']; readonly signal?: AbortSignal };
  readonly base: { readonly call: V; readonly name: string; readonly mode: LockCall['mode']; readonly timeout: number; readonly abortAfter?: number };
  /** The reason the call's signal is aborted with. */
  readonly reason: DOMException;
  /** Clears the abort's timer (call it once the call settled). */
  readonly disarm: () => void;
}

/** Arms `action`'s abort: `abortAfter` 0 aborts its signal before the call, any other a timer started now; none without. */
export function armLockCall<V extends LockCall['via']>(action: LockCall & { readonly via: V }): ArmedCall<V> {
  const { name, mode, timeout, abortAfter } = action;
  const reason = new DOMException('chaos abort', 'AbortError');
  const controller = abortAfter === undefined ? undefined : new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  if (controller && abortAfter === 0) controller.abort(reason);
  else if (controller) timer = setTimeout(() => controller.abort(reason), abortAfter);
  const options = { timeout, mode, ...(controller ? { signal: controller.signal } : {}) };
  const base = { call: action.via, name, mode, timeout, ...(abortAfter === undefined ? {} : { abortAfter }) };
  return { options, base, reason, disarm: () => clearTimeout(timer) };
}

/** The outcome of a call that was not granted: its abort, its timeout, lost at hand-out (`timeout: 0` only), or an error. */
export function callFailure(error: unknown, timeout: number, reason?: unknown): { outcome: CallOutcome; error?: string } {
  const e = error as Error;
  if (e === reason || e?.name === 'AbortError') return { outcome: 'aborted' };
  if (e?.name === 'LockTimeoutError') return { outcome: 'timeout' };
  if (e?.name === 'LockLostError' && timeout === 0) return { outcome: 'lost' };
  return { outcome: 'error', error: describe(e) };
}

/** Who refused a fenced write (a StaleLockError's `message`): the guard's own signal already said lost, or the store's check; and why. */
export function staleRefusal(message: string): Required<Pick<WriteReport, 'refusedBy' | 'reason'>> {
  const reason = message.replace(/^.*? refused: /, '').replace(/\(generation is now \d+\)/, '').replace(/\(.*\)$/, '').trim();
  const bySignal = /^(the guard was released|the lock was lost)/.test(reason);
  return { refusedBy: bySignal ? 'signal' : 'store', reason };
}

/** Counts an actor's work in flight, so that its drain can wait until none is left. */
export class InFlight {
  #pending = 0;
  #idle: Array<() => void> = [];

  /** Runs `fn`, counted until it settles. */
  async track(fn: () => Promise<void>): Promise<void> {
    this.#pending++;
    try {
      await fn();
    } finally {
      if (--this.#pending === 0) for (const resolve of this.#idle.splice(0)) resolve();
    }
  }

  /** Runs one action of the actor's, counted until it settles; never rejects (what it throws goes to `unexpected`). */
  async act(fn: () => Promise<void>, unexpected: (error: unknown) => void): Promise<void> {
    await this.track(async () => {
      try {
        await fn();
      } catch (error) {
        unexpected(error);
      }
    });
  }

  /** Resolves once nothing is in flight. */
  async idle(): Promise<void> {
    while (this.#pending > 0) await new Promise<void>((resolve) => this.#idle.push(resolve));
  }
}

/** Guards kept past their action, oldest first, each until a `release` action takes it or its timer runs out. */
export class Kept<G> {
  readonly #kept: Array<{ readonly guard: G; readonly timer: ReturnType<typeof setTimeout> }> = [];

  /** Keeps `guard` for `ms` at most, then hands it to `expire` (unless taken before). */
  keep(guard: G, ms: number, expire: (guard: G) => void): void {
    const kept = {
      guard,
      timer: setTimeout(() => {
        const at = this.#kept.indexOf(kept);
        if (at < 0) return;
        this.#kept.splice(at, 1);
        expire(guard);
      }, ms),
    };
    this.#kept.push(kept);
  }

  /** Takes the oldest kept guard, if any. */
  shift(): G | undefined {
    const kept = this.#kept.shift();
    if (kept) clearTimeout(kept.timer);
    return kept?.guard;
  }

  /** Takes every kept guard. */
  all(): G[] {
    return this.#kept.splice(0).map((kept) => (clearTimeout(kept.timer), kept.guard));
  }
}
