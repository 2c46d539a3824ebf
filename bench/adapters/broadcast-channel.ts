/**
 * broadcast-channel's leader election (used by RxDB), for failover only: leadership is not a mutex to
 * loop on. With Web Locks present it elects through navigator.locks; run in a page without them, it
 * falls back to its message-based election.
 */
import { BroadcastChannel, createLeaderElection } from 'broadcast-channel';
import type { BenchAdapter } from './types.js';

export const broadcastChannelElection: BenchAdapter = {
  name: 'broadcast-channel leader election',
  async hold(name) {
    const elector = createLeaderElection(new BroadcastChannel(`bench-${name}`));
    await elector.awaitLeadership();
  },
};
