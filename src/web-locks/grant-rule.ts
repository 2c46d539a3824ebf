/**
 * The Web Locks ledger's rule, pure: the browser granted `owner` the lock; what does the lock's record
 * say now? The record is the lease record's shape (no holders or queue: the browser keeps those), so
 * `FencedStore` checks both backends' guards alike and generations count the same way:
 * - an exclusive grant raises the generation when the holder changes: another owner, OR a steal (even
 *   by the same manager: the victim's guard must stop passing the fence at once);
 * - a shared grant changes nothing (readers write nothing fenced), and writes only to create or
 *   upgrade the record.
 */
import type { LockMode } from '../core/types.js';
import { normalise, type LeaseRecord } from '../lease/record.js';

const NONE: ReadonlyMap<string, string> = new Map();

export interface GrantInput {
  readonly now: number;
  readonly owner: string;
  readonly mode: LockMode;
  readonly steal: boolean;
  /** The store's generation high-water mark (swept records). */
  readonly floor: number;
}

export function recordGrant(stored: unknown, input: GrantInput): { record: LeaseRecord; generationUp: boolean; write: LeaseRecord | null } {
  const { record, changed } = normalise(stored, input.now, NONE, input.floor);
  if (input.mode === 'shared') return { record, generationUp: false, write: changed ? record : null };
  const generationUp = input.steal || record.lastOwner !== input.owner;
  const next: LeaseRecord = { ...record, generation: record.generation + (generationUp ? 1 : 0), lastOwner: input.owner, used: input.now };
  return { record: next, generationUp, write: next };
}
