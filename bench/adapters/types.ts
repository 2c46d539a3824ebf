/** One in-page interface for every lock implementation the benchmark compares. */
export interface BenchAdapter {
  readonly name: string;
  /**
   * Runs `critical` under the lock `name` and resolves after releasing. `onRelease` is called at the
   * moment the holder lets go, so handoff latency can be measured from it.
   */
  run(name: string, critical: () => void, onRelease: () => void): Promise<void>;
  /** Takes the lock and never gives it back (failover: the tab is then closed or crashed). */
  hold(name: string): Promise<void>;
}
