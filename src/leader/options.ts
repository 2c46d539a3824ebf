/** What `new LeaderElection()` takes (checked), and the event it dispatches (election.ts). */
import { checkName } from '../core/names.js';
import { checkObject, msOption, must } from '../core/options.js';
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

/** The election's input, checked (a typed error for each bad option), set on `election` (its constructor's `this`). */
export function parseElectionOptions(
  election: { name: string; preferVisible: boolean; staleAfterMs: number; heartbeatMs: number },
  name: string,
  options: LeaderElectionOptions,
): void {
  const o = checkObject(options, ['heartbeatMs', 'staleAfterMs', 'preferVisible'], 'new LeaderElection()');
  must('preferVisible', o.preferVisible, o.preferVisible === undefined || typeof o.preferVisible === 'boolean', 'a boolean');
  election.preferVisible = o.preferVisible === true;
  election.name = checkName(name);
  const staleAfterMs = (election.staleAfterMs = msOption('staleAfterMs', o.staleAfterMs, DEFAULT_STALE_AFTER_MS));
  election.heartbeatMs = msOption('heartbeatMs', o.heartbeatMs, Math.min(DEFAULT_HEARTBEAT_MS, staleAfterMs / 4), staleAfterMs / 4);
}

/** `lead()`'s input, checked: its signal. */
export function parseLeadOptions(options: { signal?: AbortSignal }): AbortSignal | undefined {
  const { signal } = checkObject(options, ['signal'], 'lead()') as { signal?: AbortSignal };
  must('signal', signal, signal === undefined || signal instanceof AbortSignal, 'an AbortSignal');
  return signal;
}
