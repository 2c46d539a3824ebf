/** What `new LeaderElection()` takes (checked), and the events it dispatches (election.ts). */
import { checkDerived, reserved, type ReservedKind } from '../core/names.js';
import { checkObject, msOption, must } from '../core/options.js';
import type { ElectionError } from './errors.js';
import type { LeaderInfo } from './view.js';

export const DEFAULT_HEARTBEAT_MS = 1000;
export const DEFAULT_STALE_AFTER_MS = 10_000;

export interface LeaderElectionOptions {
  /** How often the leader announces itself, ms. Default 1000. At most `staleAfterMs / 4`. */
  heartbeatMs?: number;
  /** How long a Web Locks leader may go without a beat before a follower takes over, ms. Default 10,000. */
  staleAfterMs?: number;
  /**
   * Prefer a visible tab as leader (default `false`): a hidden leader hands off (its leadership ends with
   * `LeadershipEndedError('handed-off')`; call `lead()` again to follow) when a visible follower waits.
   * Leadership moves only by that handoff, never by two leaders overlapping (visible.ts).
   */
  preferVisible?: boolean;
}

/** The `change` event: `leader` is who leads now (`null`: nobody known). */
export class LeaderChangeEvent extends Event {
  constructor(readonly leader: LeaderInfo | null) {
    super('change');
  }
}

/** The `error` event: `lead()` could not have the election's lock this time, and asks again after `error.retryInMs`. */
export class ElectionErrorEvent extends Event {
  constructor(readonly error: ElectionError) {
    super('error');
  }
}

/** Whose election it is: an app's (`leader`), or crosslock's own (a service's hosts, a backup's writers). */
export type ElectionKind = Extract<ReservedKind, 'leader' | 'service' | 'backup'>;

/**
 * The option by which crosslock's layers make their own elections, whose locks are `<kind>+<name>`
 * (core/names.ts). Symbol-keyed, so option checks pass it by and `LeaderElectionOptions` does not show it.
 */
export const KIND: unique symbol = Symbol.for('crosslock.electionKind') as never;

/** What an election's name is called in errors, by kind. */
const WHAT: Record<ElectionKind, string> = { leader: 'an election name', service: 'a service name', backup: 'a walletId (with `manager`)' };

/**
 * The election's input, checked (a typed error for each bad option), set on `election` (its constructor's
 * `this`). The name is checked against the full name of the election's lock under `prefix`.
 */
export function parseElectionOptions(
  election: { name: string; lockName: string; preferVisible: boolean; staleAfterMs: number; heartbeatMs: number },
  prefix: string | undefined,
  name: string,
  options: LeaderElectionOptions,
): void {
  const o = checkObject(options, ['heartbeatMs', 'staleAfterMs', 'preferVisible'], 'new LeaderElection()');
  must('preferVisible', o.preferVisible, o.preferVisible === undefined || typeof o.preferVisible === 'boolean', 'a boolean');
  election.preferVisible = o.preferVisible === true;
  const kind = (options as { [KIND]?: ElectionKind })[KIND] ?? 'leader';
  election.name = checkDerived(prefix, kind, name, WHAT[kind]);
  election.lockName = reserved(kind, election.name);
  const staleAfterMs = (election.staleAfterMs = msOption('staleAfterMs', o.staleAfterMs, DEFAULT_STALE_AFTER_MS));
  election.heartbeatMs = msOption('heartbeatMs', o.heartbeatMs, Math.min(DEFAULT_HEARTBEAT_MS, staleAfterMs / 4), staleAfterMs / 4);
}

/** `lead()`'s input, checked: its signal. */
export function parseLeadOptions(options: { signal?: AbortSignal }): AbortSignal | undefined {
  const { signal } = checkObject(options, ['signal'], 'lead()') as { signal?: AbortSignal };
  must('signal', signal, signal === undefined || signal instanceof AbortSignal, 'an AbortSignal');
  return signal;
}
