/**
 * Grants known to be gone before their lease ends: a tab said so while unloading (messages.ts `dead`, or
 * this manager's own pagehide). Each counts only for entries of the owner that said it (record.ts `Dead`),
 * and only until the entry would have expired anyway (one lease of the listener's), then it is forgotten.
 */
import type { Dead } from './record.js';

export class DeadTokens {
  readonly #tokens = new Map<string, { readonly owner: string; readonly until: number }>();

  /** `owner` said its grants `tokens` are gone; remembered until `until` (wall-clock ms). */
  add(owner: string, tokens: readonly string[], until: number): void {
    for (const token of tokens) this.#tokens.set(token, { owner, until });
  }

  /** The tokens that still count at `now` (token → owner); the others are forgotten. */
  at(now: number): Dead {
    const live = new Map<string, string>();
    for (const [token, { owner, until }] of this.#tokens) {
      if (until <= now) this.#tokens.delete(token);
      else live.set(token, owner);
    }
    return live;
  }
}
