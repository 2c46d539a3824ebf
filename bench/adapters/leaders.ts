/**
 * The leader elections the bench compares (bench/leader.ts): crosslock's `LeaderElection` on Web Locks
 * and on IndexedDB leases (its defaults: heartbeat 1 s, staleAfterMs 10 s), broadcast-channel's elector
 * (RxDB's; Web Locks when present, its message-based election otherwise) and tab-election (Web Locks).
 * Each is asked whether it leads the way its README says an app should.
 */
import { BroadcastChannel, createLeaderElection } from 'broadcast-channel';
import { Tab } from 'tab-election';
import { IndexedDbLockManager } from '../../src/indexeddb.js';
import { WebLockManager, type LockManager } from '../../src/index.js';
import { LeaderElection } from '../../src/leader.js';
import type { LeaderAdapter } from './types.js';

function crosslock(name: string, manager: () => LockManager): LeaderAdapter {
  return {
    name,
    elect(lockName, onLeader) {
      const election = new LeaderElection(manager(), lockName);
      void (async () => {
        for (;;) {
          const leadership = await election.lead();
          onLeader();
          if (!leadership.signal.aborted) await new Promise((resolve) => leadership.signal.addEventListener('abort', resolve, { once: true }));
        }
      })();
      return { isLeader: () => election.isLeader };
    },
  };
}

export const crosslockLeaderWeb = crosslock('crosslock LeaderElection (Web Locks)', () => new WebLockManager({ prefix: 'bench', database: 'crosslock-bench' }));
export const crosslockLeaderIdb = crosslock('crosslock LeaderElection (IndexedDB leases)', () => new IndexedDbLockManager({ prefix: 'bench', database: 'crosslock-bench' }));

export const broadcastChannelLeader: LeaderAdapter = {
  name: 'broadcast-channel createLeaderElection',
  elect(lockName, onLeader) {
    const elector = createLeaderElection(new BroadcastChannel(`bench-leader-${lockName}`));
    void elector.awaitLeadership().then(onLeader);
    return { isLeader: () => elector.isLeader };
  },
};

export const tabElection: LeaderAdapter = {
  name: 'tab-election Tab',
  elect(lockName, onLeader) {
    const tab = new Tab(`bench-leader-${lockName}`);
    void tab.waitForLeadership(() => onLeader());
    return { isLeader: () => tab.isLeader };
  },
};
