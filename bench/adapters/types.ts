/** One in-page interface for every lock implementation the benchmark compares. */
export interface BenchAdapter {
  readonly name: string;
  /**
   * Runs `critical` under the lock `name` and resolves after releasing. `onRelease` is called at the
   * moment the holder lets go, so handoff latency can be measured from it. Absent for implementations
   * that are not mutexes (leader election): those are measured for failover only.
   */
  run?(name: string, critical: () => void | Promise<void>, onRelease: () => void): Promise<void>;
  /** Takes the lock (or leadership) and never gives it back; resolves once held (failover). */
  hold(name: string): Promise<void>;
}

/**
 * A leader election, for the leader failover bench: `elect` campaigns for leadership of `name` for as
 * long as the page lives, calling `onLeader()` each time this tab becomes leader; the returned
 * `isLeader()` is what an app would ask before acting as leader.
 */
export interface LeaderAdapter {
  readonly name: string;
  elect(name: string, onLeader: () => void): { isLeader(): boolean };
}
