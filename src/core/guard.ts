/** The guard handed to a lock's holder: releases once, and reports loss through its signal. */
import { LockLostError, type LockLostKind } from './errors.js';
import type { LockGuard, LockMode } from './types.js';

/**
 * `Symbol.asyncDispose` where the engine has it; otherwise the registered symbol that TypeScript's and
 * core-js's `await using` polyfills look up, so guards work with them on older engines (Safari < 18).
 */
export const asyncDispose: typeof Symbol.asyncDispose =
  (Symbol as { asyncDispose?: typeof Symbol.asyncDispose }).asyncDispose ??
  (Symbol.for('Symbol.asyncDispose') as typeof Symbol.asyncDispose);

export class Guard implements LockGuard {
  /** Made on first use: most holders never read `signal`, and a controller per grant is measurable. */
  #lost: AbortController | undefined;
  readonly #release: () => Promise<void>;
  #releasing: Promise<void> | undefined;

  constructor(
    readonly name: string,
    /** The name with the manager's prefix, as the backend knows it. */
    readonly fullName: string,
    readonly mode: LockMode,
    readonly generation: number | undefined,
    readonly poisoned: boolean | undefined,
    /** The backend's release; called at most once. */
    release: () => Promise<void>,
    /** The backend's synchronous "still held?" check, run on every read of `signal`. */
    private readonly check?: () => void,
  ) {
    this.#release = release;
  }

  get signal(): AbortSignal {
    if (this.#releasing === undefined) this.check?.();
    this.#lost ??= new AbortController();
    return this.#lost.signal;
  }

  get released(): boolean {
    return this.#releasing !== undefined;
  }

  release(): Promise<void> {
    if (!this.#releasing) {
      try {
        this.#releasing = this.#release();
      } catch (error) {
        this.#releasing = Promise.reject(error);
      }
    }
    return this.#releasing;
  }

  /** Marks the lock as lost behind the holder's back. Backends and the manager call this. */
  lose(kind: LockLostKind, detail?: string): void {
    this.#lost ??= new AbortController();
    if (!this.#lost.signal.aborted) this.#lost.abort(new LockLostError(this.fullName, kind, detail));
  }

  [asyncDispose](): Promise<void> {
    return this.release();
  }
}
