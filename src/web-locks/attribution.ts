/**
 * Who holds what, for `query()`. `navigator.locks.query()` names holders by browser client (one id per
 * tab or worker), so two managers of one tab look alike. This realm-wide register remembers which
 * crosslock manager made each of this realm's requests; `query.ts` (loaded on the first query) maps
 * this realm's browser client id back to manager ids.
 *
 * It is diagnostics only: exclusion never depends on it.
 */
import type { LockMode } from '../core/types.js';

export interface Request {
  readonly name: string;
  readonly mode: LockMode;
  readonly clientId: string;
  held?: boolean;
}

/** This realm's pending and held Web Locks requests made through crosslock, oldest first. */
export const requests = new Set<Request>();
