/**
 * An actor: one lock manager (a page's, or the dedicated worker's) running the chaos schedule's actor
 * actions, and reporting what happened (`ActReport`). It runs unchanged in a page and in a Worker.
 *
 * Every checked grant is logged (name, generation, owner, mode, this manager's grant order, and the
 * lock record's stored generation read right after). Every fenced write is a read-modify-write of the
 * lock's counter `{ n, id }`: read, log the intent `{ id, prev, n + 1, generation }` in its own committed
 * transaction, then `FencedStore.put(guard, ...)`, and report the outcome. Writes are only made under
 * exclusive guards, and always attempted, even when the guard's signal already says the lock is lost:
 * the library must refuse them.
 *
 * `Date.now` is replaced once per realm by a shiftable clock for clock jumps (the library reads
 * `Date.now()` at call time); report times use `performance`, which jumps do not touch. A call's abort,
 * the outcomes of calls not granted, the reading of refusals, the work in flight and the kept guards are
 * shared with the Redis processes (e2e/chaos/calls.ts).
 */
import type { LockGuard, LockManager, WebLockManager } from '../../src/index.js';
import type { FencedStore } from '../../src/fenced.js';
import { armLockCall, callFailure, describe, InFlight, Kept, sleep, staleRefusal } from '../chaos/calls.js';
import { CHAIN_START, LOCK_PREFIX, type ActorAction, type ActReport, type CallReport, type Counter, type HoldPlan, type WriteReport } from '../chaos/types.js';
import { logGrant, logIntent, storedGeneration } from './chaos-log.js';

const now = (): number => performance.timeOrigin + performance.now();

let clockOffset = 0;
let clockInstalled = false;
/** Shifts this realm's `Date.now` by `ms` (cumulative; shift back by `-ms`). Shared with chaos-layers.ts. */
export function shiftClock(ms: number): void {
  if (!clockInstalled) {
    const real = Date.now.bind(Date);
    Date.now = () => real() + clockOffset;
    clockInstalled = true;
  }
  clockOffset += ms;
}

export class Actor {
  #grants = 0;
  #writes = 0;
  readonly #inFlight = new InFlight();
  readonly #kept = new Kept<LockGuard>();
  /** Lost kinds and problems not yet reported (reported with the next action's report). */
  #lost: string[] = [];
  #problems: string[] = [];
  #released = 0;

  constructor(
    readonly manager: LockManager,
    readonly tag: string,
    private readonly store: FencedStore<Counter>,
  ) {}

  /** Runs one action; never rejects (unexpected errors come back as `problems`). */
  async act(action: ActorAction): Promise<ActReport> {
    const calls: CallReport[] = [];
    const writes: WriteReport[] = [];
    await this.#inFlight.act(
      () => this.#run(action, calls, writes),
      (error) => this.#problems.push(`${this.tag} ${action.kind}: unexpected ${describe(error)}`),
    );
    return this.#report(calls, writes);
  }

  /** Releases every kept guard and resolves once nothing of this actor is in flight. */
  async drain(): Promise<ActReport> {
    for (const guard of this.#kept.all()) await this.#inFlight.track(() => this.#release(guard));
    await this.#inFlight.idle();
    return this.#report([], []);
  }

  #report(calls: CallReport[], writes: WriteReport[]): ActReport {
    const released = this.#released;
    this.#released = 0;
    return { actor: this.tag, calls, writes, lost: this.#lost.splice(0), released, problems: this.#problems.splice(0) };
  }

  async #run(action: ActorAction, calls: CallReport[], writes: WriteReport[]): Promise<void> {
    switch (action.kind) {
      case 'lock':
        return this.#lock(action, calls, writes);
      case 'tryLock': {
        const requestedAt = now();
        const guard = await this.manager.tryLock(action.name, { mode: action.mode });
        const base = { call: 'tryLock', name: action.name, mode: action.mode, timeout: 0, requestedAt, settledAt: now() } as const;
        if (!guard) return void calls.push({ ...base, outcome: 'null' });
        calls.push({ ...base, outcome: 'granted', generation: guard.generation! });
        await this.#granted(guard);
        await this.#hold(guard, action, writes);
        return this.#release(guard);
      }
      case 'steal': {
        const requestedAt = now();
        const base = { call: 'steal', name: action.name, mode: 'exclusive', timeout: 0, requestedAt } as const;
        let guard: LockGuard;
        try {
          guard = await (this.manager as WebLockManager).lock(action.name, { timeout: 0, steal: true });
        } catch (error) {
          // Another steal took it before this one could be handed out.
          if ((error as Error)?.name === 'LockLostError') return void calls.push({ ...base, settledAt: now(), outcome: 'lost' });
          // The browser dropped the grant (this page could not run the callback then): a steal is not repeated.
          if ((error as Error)?.name === 'LockTimeoutError') return void calls.push({ ...base, settledAt: now(), outcome: 'timeout' });
          throw error;
        }
        calls.push({ ...base, settledAt: now(), outcome: 'granted', generation: guard.generation! });
        await this.#granted(guard);
        await this.#hold(guard, action, writes);
        return this.#release(guard);
      }
      case 'release': {
        const guard = this.#kept.shift();
        if (!guard) return;
        if (action.write && guard.mode === 'exclusive') writes.push(await this.#write(guard));
        return this.#release(guard);
      }
      case 'clock':
        shiftClock(action.offsetMs);
        await sleep(action.durationMs);
        shiftClock(-action.offsetMs);
        return;
    }
  }

  async #lock(action: Extract<ActorAction, { kind: 'lock' }>, calls: CallReport[], writes: WriteReport[]): Promise<void> {
    const { name, mode, timeout } = action;
    const { options, base, reason, disarm } = armLockCall(action);
    const requestedAt = now();
    let granted = false;
    const onGrant = (guard: LockGuard): Promise<void> => {
      granted = true;
      calls.push({ ...base, requestedAt, settledAt: now(), outcome: 'granted', generation: guard.generation! });
      return this.#granted(guard);
    };
    try {
      if (action.via === 'withLock') {
        await this.manager.withLock(name, options, async (guard) => {
          await onGrant(guard);
          await this.#hold(guard, action, writes);
        });
        this.#released++;
      } else {
        const guard = await this.manager.lock(name, options);
        await onGrant(guard);
        if (action.keepMs !== undefined) {
          if (action.writes !== 'none' && mode === 'exclusive') writes.push(await this.#write(guard));
          this.#kept.keep(guard, action.keepMs, (expired) => this.#autoRelease(expired));
          return;
        }
        await this.#hold(guard, action, writes);
        await this.#release(guard);
      }
    } catch (error) {
      if (granted) throw error; // a release, a write or the log failed: a problem, not a lock outcome
      calls.push({ ...base, requestedAt, settledAt: now(), ...callFailure(error, timeout, reason) });
    } finally {
      disarm();
    }
  }

  #autoRelease(guard: LockGuard): void {
    void this.#inFlight.track(() => this.#release(guard)).catch((error) => this.#problems.push(`${this.tag} auto-release: ${describe(error)}`));
  }

  /** Logs a checked grant and listens for its loss. The grant order is taken before any await. */
  async #granted(guard: LockGuard): Promise<void> {
    const seq = ++this.#grants;
    const signal = guard.signal;
    const onLost = (): void => void this.#lost.push((signal.reason as { kind?: string })?.kind ?? 'unknown');
    if (signal.aborted) onLost();
    else signal.addEventListener('abort', onLost, { once: true });
    const stored = await storedGeneration(`${LOCK_PREFIX}+${guard.name}`); // its full name (core/names.ts)
    const { name: lockName, generation, mode } = guard;
    await logGrant({ lockName, generation: generation!, owner: this.manager.clientId, mode, actor: this.tag, seq, stored });
  }

  async #hold(guard: LockGuard, { holdMs, writes: plan, jumpMs = 0 }: HoldPlan, writes: WriteReport[]): Promise<void> {
    const exclusive = guard.mode === 'exclusive';
    if (exclusive && (plan === 'before' || plan === 'both')) writes.push(await this.#write(guard));
    shiftClock(jumpMs);
    try {
      if (holdMs > 0) await sleep(holdMs);
      if (exclusive && (plan === 'after' || plan === 'both')) writes.push(await this.#write(guard));
    } finally {
      shiftClock(-jumpMs);
    }
  }

  async #release(guard: LockGuard): Promise<void> {
    await guard.release();
    this.#released++;
  }

  /** One read-modify-write of the lock's counter: read, log the intent (committed), then the fenced put. */
  async #write(guard: LockGuard): Promise<WriteReport> {
    const lockName = guard.name;
    const current = (await this.store.get(lockName)) ?? { n: 0, id: CHAIN_START };
    const id = `${this.manager.clientId}.${++this.#writes}`;
    const next: Counter = { n: current.n + 1, id };
    await logIntent({ id, prev: current.id, n: next.n, lockName, generation: guard.generation!, owner: this.manager.clientId, actor: this.tag });
    try {
      await this.store.put(guard, lockName, next);
      return { id, lockName, outcome: 'ok' };
    } catch (error) {
      const e = error as Error;
      if (e?.name !== 'StaleLockError') return { id, lockName, outcome: describe(e) };
      return { id, lockName, outcome: 'StaleLockError', ...staleRefusal(e.message) };
    }
  }
}
