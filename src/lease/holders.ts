/**
 * The grants one lease manager holds: their deadlines, renewal, and telling a holder it lost.
 *
 * INVARIANT: a holder learns of a lost lease before it can act on it.
 * - Each grant keeps TWO deadlines, the start of its last successful renewal (or of the attempt that
 *   granted it) + its lease, on the wall clock and on the monotonic clock (see clock.ts), and counts
 *   itself expired when either passes. The wall deadline is never later than the expiry other tabs
 *   see (it starts before the write); the monotonic one survives a wall clock stepped back.
 * - Deadlines are checked on every tick, when a frozen page resumes, whenever `guard.signal` is read,
 *   and when the guard is handed out (a handoff whose message arrived after its lease ran out).
 * - Every renewal the store refuses (`lost`) or fails aborts the guard's signal: never just a log line;
 *   except a failure the store calls transient (Redis reconnecting), after which the grant lives to its own
 *   deadline (checked on every tick) and the next tick renews again.
 */
import type { LockLostKind } from '../core/errors.js';
import type { Fence, Grant } from '../core/grant.js';
import type { LockMode } from '../core/types.js';
import type { Clock } from './clock.js';
import type { Decision } from './decide.js';
import type { Handoff } from './messages.js';
import { expiryOf } from './record.js';
import type { Start } from './waiting.js';

export interface Held {
  readonly name: string;
  readonly mode: LockMode;
  readonly token: string;
  /** Wall-clock end of the lease as this holder last secured it. */
  deadline: number;
  /** The same end on the monotonic clock. */
  monoDeadline: number;
  readonly lost: (kind: LockLostKind, detail?: string) => void;
  /** An attempt for this token still in flight when it was granted by a handoff (its release waits for it). */
  readonly after: Promise<unknown> | undefined;
}

/** What a grant knows beyond its start: the expiry the store wrote for it, an attempt still in flight for it. */
export interface GrantDetails {
  readonly expires?: number | undefined;
  readonly after?: Promise<unknown> | undefined;
}

export interface HoldersHooks {
  readonly clock: Clock;
  readonly leaseMs: number;
  readonly database: string;
  /** The store's time is the clock (LeaseStore.ownTime): wall deadlines are the stored expiries. */
  readonly ownTime: boolean;
  /** A renewal failure that does not lose the lease (the store may answer again before it ends). */
  readonly transient?: ((error: unknown) => boolean) | undefined;
  /** Renews these grants in one atomic update; decisions in the same order. */
  renew(held: readonly Held[]): Promise<Decision[]>;
  /** Gives the lease of a released grant back to the store (and announces it). */
  release(held: Held): Promise<void>;
  /** The number of holders changed. */
  onBusy(): void;
}

export class Holders {
  readonly #held = new Map<string, Held>();
  #renewing = false;

  constructor(private readonly hooks: HoldersHooks) {}

  get size(): number {
    return this.#held.size;
  }

  all(): Held[] {
    return [...this.#held.values()];
  }

  /** Registers a grant (from an attempt started at `from`, or from a handoff) and returns it to the core. */
  grant(name: string, mode: LockMode, token: string, from: Start | Handoff, generation: number, lost: Held['lost'], details: GrantDetails = {}): Grant {
    const { clock, leaseMs } = this.hooks;
    let deadline: number;
    let monoDeadline: number;
    if ('wall' in from) {
      // Never later than the expiry the store wrote (a grant confirmed without a renewal keeps the releaser's),
      // nor than the attempt's start + the lease (a store in this machine's time: the write came after the start).
      const left = details.expires === undefined ? leaseMs : Math.min(leaseMs, details.expires - from.wall);
      deadline = this.hooks.ownTime && details.expires !== undefined ? details.expires : from.wall + left;
      monoDeadline = from.mono + left;
    } else {
      // A handoff: the releaser started this lease at its `now`; the message may have arrived late.
      deadline = from.expires;
      monoDeadline = clock.mono() + Math.min(from.lease, from.expires - clock.now());
    }
    const held: Held = { name, mode, token, deadline, monoDeadline, lost, after: details.after };
    this.#held.set(token, held);
    this.hooks.onBusy();
    const fence: Fence = { database: this.hooks.database, name, token };
    return {
      generation,
      fence,
      check: () => this.#check(held),
      release: () => {
        if (this.#held.delete(token)) this.hooks.onBusy();
        return this.hooks.release(held); // even when lost meanwhile: it tidies the record
      },
    };
  }

  /** Tells the holder its lock is gone, once. */
  lose(held: Held, kind: LockLostKind, detail: string): void {
    if (!this.#held.delete(held.token)) return;
    held.lost(kind, detail);
    this.hooks.onBusy();
  }

  /** Checks every deadline, then renews every remaining lease in one atomic update. */
  renew(): void {
    for (const held of this.all()) this.#check(held);
    const live = this.all();
    if (live.length === 0 || this.#renewing) return;
    this.#renewing = true;
    const wall = this.hooks.clock.now();
    const mono = this.hooks.clock.mono();
    this.hooks
      .renew(live)
      .then(
        (decisions) =>
          decisions.forEach((d, i) => {
            const held = live[i]!;
            if (d.verdict !== 'extend') return this.lose(held, 'expired', "the lease had expired and was no longer this holder's");
            const stored = expiryOf(d.record, held.token);
            held.deadline = this.hooks.ownTime && stored !== undefined ? stored : wall + this.hooks.leaseMs;
            held.monoDeadline = mono + this.hooks.leaseMs;
          }),
        // A store that may answer again (Redis reconnecting) keeps the grant until its own deadline, which
        // the next ticks check; any other failure loses it now.
        (error: Error) => this.hooks.transient?.(error) || live.forEach((held) => this.lose(held, 'renewal-failed', error.message)),
      )
      .finally(() => (this.#renewing = false));
  }

  /**
   * A message said these grants were taken (a steal elsewhere): renew them now, and tell each holder it
   * lost (`kind`) only if the store no longer holds its lease. A message never revokes on its own
   * (messages.ts); a failure to ask leaves them to their next renewal.
   */
  verify(held: readonly Held[], kind: LockLostKind, detail: string): void {
    if (held.length === 0) return;
    const wall = this.hooks.clock.now();
    const mono = this.hooks.clock.mono();
    this.hooks.renew(held).then(
      (decisions) =>
        decisions.forEach((d, i) => {
          const one = held[i]!;
          if (d.verdict !== 'extend') return this.lose(one, kind, detail);
          const stored = expiryOf(d.record, one.token);
          one.deadline = Math.max(one.deadline, this.hooks.ownTime && stored !== undefined ? stored : wall + this.hooks.leaseMs);
          one.monoDeadline = Math.max(one.monoDeadline, mono + this.hooks.leaseMs);
        }),
      () => {},
    );
  }

  #check(held: Held): void {
    const wall = this.hooks.clock.now();
    const mono = this.hooks.clock.mono();
    if (wall >= held.deadline) this.lose(held, 'expired', `its lease ran out ${Math.round(wall - held.deadline)} ms ago without renewal`);
    else if (mono >= held.monoDeadline) this.lose(held, 'expired', `its lease ran out ${Math.round(mono - held.monoDeadline)} ms ago by the monotonic clock (the wall clock went back)`);
  }
}
