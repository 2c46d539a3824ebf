/** `crosslock/leader`: one leader per lock name over any `LockManager`, with a fencing term. */
export { LeaderElection } from './leader/election.js';
export { DEFAULT_HEARTBEAT_MS, DEFAULT_STALE_AFTER_MS, ElectionErrorEvent, LeaderChangeEvent, type LeaderElectionOptions } from './leader/options.js';
export { ElectionBusyError, ElectionError, LeadershipEndedError, type LeadershipEndKind } from './leader/errors.js';
export type { Leadership } from './leader/leadership.js';
export type { LeaderInfo } from './leader/view.js';
