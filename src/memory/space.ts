/**
 * The lock table of the memory backend: a FIFO queue and a held set per name, granted by the Web Locks
 * spec's rule (https://w3c.github.io/web-locks/#algorithms, "process the lock request queue"):
 *
 * - the head of a name's queue is granted when nothing held conflicts with it (exclusive: nothing held;
 *   shared: no exclusive held), then the next head is tried, so consecutive shared requests are granted
 *   together and a waiting exclusive request blocks later shared ones (writers are not starved);
 * - an "if available" request is granted only when the queue is empty and nothing held conflicts;
 * - a waiter that aborts is removed and the queue is processed again (it may have been blocking others).
 *
 * Invariants: a name's entry exists only while something is held or queued; a grant happens
 * synchronously inside `release`/`request`/abort, so no two conflicting holders ever coexist.
 *
 * Generations: per name, a counter that goes up when an EXCLUSIVE grant goes to a different owner than
 * the last exclusive grant did; shared grants never move it (readers change nothing). It is kept after
 * the name goes idle (so the same owner taking it again keeps it), for at most `GENERATIONS_LIMIT`
 * idle names: the least recently granted are forgotten, and the space's high-water mark (`#floor`)
 * rises to cover them, so a forgotten name starts again ABOVE every generation it ever had (its next
 * holder is simply told `poisoned`), and generations never repeat for a name.
 */
import type { LockInfo, LockMode, LockSnapshot } from '../core/types.js';

interface Holder {
  readonly mode: LockMode;
  readonly clientId: string;
}

interface Waiter extends Holder {
  grant(): void;
}

interface LockState {
  readonly held: Holder[];
  readonly queue: Waiter[];
}

/** What a grant hands back: how to release, and the lock's generation at the grant. */
export interface MemoryGrant {
  readonly release: () => void;
  readonly generation: number;
}

/** Idle names whose generation the space remembers; beyond it the oldest are forgotten (see above). */
export const GENERATIONS_LIMIT = 4096;

function grantable(state: LockState, mode: LockMode): boolean {
  return mode === 'exclusive' ? state.held.length === 0 : state.held.every((h) => h.mode === 'shared');
}

export class MemoryLockSpace {
  static #realm: MemoryLockSpace | undefined;

  /** The space shared by every `MemoryLockManager` of this realm that was not given one of its own. */
  static realm(): MemoryLockSpace {
    MemoryLockSpace.#realm ??= new MemoryLockSpace();
    return MemoryLockSpace.#realm;
  }

  readonly #locks = new Map<string, LockState>();
  readonly #generations = new Map<string, { generation: number; lastOwner: string | null }>();
  /** Above every generation of a forgotten name. */
  #floor = 0;

  /**
   * Grants `name` to `clientId`; resolves to the release function. Without a signal, answers at once
   * (`null` when not grantable); with one, waits, and on abort rejects with `signal.reason`.
   */
  request(name: string, mode: LockMode, clientId: string, signal: AbortSignal | undefined): Promise<MemoryGrant | null> {
    const state = this.#state(name);
    if (!signal) {
      if (state.queue.length === 0 && grantable(state, mode)) return Promise.resolve(this.#hold(name, state, { mode, clientId }));
      this.#forgetIfIdle(name, state);
      return Promise.resolve(null);
    }
    return new Promise((resolve, reject) => {
      if (signal.aborted) {
        this.#forgetIfIdle(name, state);
        reject(signal.reason);
        return;
      }
      const onAbort = (): void => {
        const at = state.queue.indexOf(waiter);
        if (at >= 0) state.queue.splice(at, 1);
        reject(signal.reason);
        this.#process(name, state);
      };
      const waiter: Waiter = {
        mode,
        clientId,
        grant: () => {
          signal.removeEventListener('abort', onAbort);
          resolve(this.#hold(name, state, { mode, clientId }));
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      state.queue.push(waiter);
      this.#process(name, state);
    });
  }

  snapshot(): LockSnapshot {
    const held: LockInfo[] = [];
    const pending: LockInfo[] = [];
    for (const [name, state] of this.#locks) {
      for (const h of state.held) held.push({ name, mode: h.mode, clientId: h.clientId });
      for (const w of state.queue) pending.push({ name, mode: w.mode, clientId: w.clientId });
    }
    return { held, pending };
  }

  #state(name: string): LockState {
    let state = this.#locks.get(name);
    if (!state) {
      state = { held: [], queue: [] };
      this.#locks.set(name, state);
    }
    return state;
  }

  #hold(name: string, state: LockState, holder: Holder): MemoryGrant {
    const entry = { ...holder };
    state.held.push(entry);
    const known = this.#generations.get(name);
    const last = known ?? { generation: this.#floor + 1, lastOwner: null }; // a new name starts above the floor
    const exclusive = holder.mode === 'exclusive';
    const generation = last.generation + (exclusive && known !== undefined && last.lastOwner !== holder.clientId ? 1 : 0);
    // Re-inserted last: the map is kept in least-recently-granted order for forgetting.
    this.#generations.delete(name);
    this.#generations.set(name, { generation, lastOwner: exclusive ? holder.clientId : last.lastOwner });
    this.#forgetOldest();
    const release = (): void => {
      const at = state.held.indexOf(entry);
      if (at < 0) return;
      state.held.splice(at, 1);
      this.#process(name, state);
    };
    return { release, generation };
  }

  #forgetOldest(): void {
    if (this.#generations.size <= GENERATIONS_LIMIT) return;
    for (const [name, { generation }] of this.#generations) {
      if (this.#locks.has(name)) continue; // in use: its holders' generation must stay
      this.#generations.delete(name);
      this.#floor = Math.max(this.#floor, generation);
      if (this.#generations.size <= GENERATIONS_LIMIT) return;
    }
  }

  #process(name: string, state: LockState): void {
    for (let head = state.queue[0]; head && grantable(state, head.mode); head = state.queue[0]) {
      state.queue.shift();
      head.grant();
    }
    this.#forgetIfIdle(name, state);
  }

  #forgetIfIdle(name: string, state: LockState): void {
    if (state.held.length === 0 && state.queue.length === 0) this.#locks.delete(name);
  }
}
