/**
 * The in-page half of the leader bench (bench/leader.ts): the tab campaigns with one election and,
 * every 10 ms, does what an app's leader loop does: asks its election whether it leads, and "acts" if
 * so. It logs, on the wall clock shared by all tabs, when it became leader and the spans during which
 * it acted (consecutive acting ticks; a tick gap of more than `NOT_RUNNING_MS` starts a new span: the
 * tab was not running). Node turns those logs into failover times and duplicate leaders.
 */
import { broadcastChannelLeader, crosslockLeaderIdb, crosslockLeaderWeb, tabElection } from '../adapters/leaders.js';
import type { LeaderAdapter } from '../adapters/types.js';

const elections: Record<string, LeaderAdapter> = {
  'crosslock-leader-web': crosslockLeaderWeb,
  'crosslock-leader-idb': crosslockLeaderIdb,
  'broadcast-channel': broadcastChannelLeader,
  'tab-election': tabElection,
};

/** Wall-clock ms, comparable across tabs (each tab has its own timeOrigin). */
const now = (): number => performance.timeOrigin + performance.now();

/** A tick gap longer than this means the tab was not running (the bench freezes for seconds). */
const NOT_RUNNING_MS = 250;
const TICK_MS = 10;

export interface LeaderLog {
  /** Wall-clock times this tab became leader. */
  became: number[];
  /** [first, last] acting tick of each run of consecutive acting ticks. */
  acted: Array<[number, number]>;
  /** Whether its last tick acted (a snapshot taken just before the tab is closed or crashed). */
  acting: boolean;
}

const log: LeaderLog = { became: [], acted: [], acting: false };
let first: (() => void) | undefined;
const becameLeader = new Promise<number>((resolve) => (first = () => resolve(log.became[0]!)));

function elect(adapter: string, name: string): void {
  const impl = elections[adapter];
  if (!impl) throw new Error(`unknown leader adapter ${adapter}`);
  const election = impl.elect(name, () => {
    log.became.push(now());
    first?.();
  });
  let last = now();
  setInterval(() => {
    const t = now();
    const running = t - last <= NOT_RUNNING_MS;
    last = t;
    if (!election.isLeader()) return void (log.acting = false);
    if (log.acting && running) log.acted.at(-1)![1] = t;
    else log.acted.push([t, t]);
    log.acting = true;
  }, TICK_MS);
}

declare global {
  interface Window {
    leaderBench: {
      elect: typeof elect;
      /** Resolves with the wall-clock time this tab first became leader. */
      becameLeader: () => Promise<number>;
      log: () => LeaderLog;
    };
  }
}
window.leaderBench = { elect, becameLeader: () => becameLeader, log: () => log };
