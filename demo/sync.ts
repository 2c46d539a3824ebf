/**
 * The wallet's "sync": work that must happen in ONE tab (talk to the server, later: write the backup).
 * Every tab campaigns in a `LeaderElection`; the leader syncs every 2 s, writing `lastSync` through
 * the FencedStore under its leadership's guard, so a leader that was replaced (frozen, then thawed)
 * cannot write: its write is refused with StaleLockError, and the log says so.
 *
 * "Freeze the leader" blocks this tab's main thread (a busy loop) for longer than `staleAfterMs`: no
 * beat goes out, so on Web Locks a follower takes over (steal, higher term); on leases the lease
 * lapses. When the loop ends, the old leader's next sync is refused and it steps down.
 */
import type { FencedStore } from '../src/fenced.js';
import type { LockManager } from '../src/index.js';
import { LeaderElection, type Leadership } from '../src/leader.js';
import type { Bus } from './bus.js';

export const SYNC_EVERY_MS = 2000;

export interface Sync {
  readonly election: LeaderElection;
  /** The current leadership, while this tab leads. */
  leadership(): Leadership | undefined;
  /** Blocks this tab's main thread for `ms` (a hung or frozen tab, as the other tabs see it). */
  freeze(ms: number): void;
}

const reasonOf = (signal: AbortSignal): string => {
  const r = signal.reason as { name?: string; kind?: string } | undefined;
  return `${r?.name ?? 'ended'}${r?.kind ? ` (${r.kind})` : ''}`;
};

export function startSync(tab: string, locks: LockManager, store: FencedStore<unknown>, bus: Bus, staleAfterMs: number): Sync {
  const election = new LeaderElection(locks, 'sync', { staleAfterMs });
  let current: Leadership | undefined;
  void (async () => {
    for (;;) {
      let lead: Leadership;
      try {
        lead = await election.lead();
      } catch {
        return; // the election closed (the page is going away)
      }
      current = lead;
      bus.emit({ kind: 'leader', tab, term: lead.term, phase: 'elected' });
      const sync = (): void => {
        const entry = { tab, term: lead.term, at: Date.now() };
        // Written even when the signal says it is over: the store is what refuses a replaced leader.
        void store.put(lead.guard, 'lastSync', entry).then(
          () => undefined,
          (e: Error) => bus.emit({ kind: 'leader', tab, term: lead.term, phase: 'refused', detail: e.name }),
        );
      };
      sync();
      const timer = setInterval(sync, SYNC_EVERY_MS);
      if (!lead.signal.aborted) await new Promise((resolve) => lead.signal.addEventListener('abort', resolve, { once: true }));
      clearInterval(timer);
      sync(); // a late write, as a thawed leader's would be: refused if another tab leads now
      current = undefined;
      bus.emit({ kind: 'leader', tab, term: lead.term, phase: 'ended', detail: reasonOf(lead.signal) });
    }
  })();
  addEventListener('pagehide', (event) => {
    if (!event.persisted) void election.close();
  });
  return {
    election,
    leadership: () => current,
    freeze(ms) {
      const until = performance.now() + ms;
      while (performance.now() < until) {
        // Busy: no task of this tab runs, no beat goes out.
      }
    },
  };
}
