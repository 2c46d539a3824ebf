/**
 * What every chaos run shares on its driver's side (run.ts, redis/run.ts): the options of a run, and the
 * loop that drives a schedule. The loop keeps at most `concurrency` steps in flight (a spot frees when a
 * step's promise settles: no sleeps as synchronisation; the schedule's own gaps, holds and pauses are
 * the workload), tracks every step's promise under its label (tracker.ts, invariant 9), makes a step
 * that fails in the driver a problem of the run, and sleeps the schedule's gap after starting each step.
 */
import type { Tracker } from './tracker.js';

/** The options every configuration's run takes. */
export interface RunOptionsBase {
  readonly seed: number;
  readonly actions: number;
  /** Steps in flight at most. */
  readonly concurrency?: number;
  /** Slack on every call's time bound, for a loaded 2-core machine. */
  readonly graceMs?: number;
  /** How long the end waits for the promises still in flight before calling them hung. */
  readonly settleMs?: number;
  /** Step kinds left out of the schedule (the configuration's step kinds). */
  readonly without?: readonly string[];
  /** Called after each step is started, with the count started so far (for a long run's progress line). */
  readonly onStep?: (started: number, total: number) => void;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface Drive<S> {
  readonly concurrency: number;
  readonly tracker: Tracker;
  /** Where a step that fails in the driver is reported. */
  readonly problems: string[];
  readonly label: (step: S) => string;
  readonly run: (step: S) => Promise<void>;
  /** What holds a step's spot, given its tracked promise (default: that promise). */
  readonly spot?: (label: string, promise: Promise<void>) => Promise<void>;
  readonly onStep?: RunOptionsBase['onStep'];
}

/** Starts every step in order, as the module comment says; resolves once the last one is started and its gap slept. */
export async function driveSteps<S extends { readonly i: number; readonly gapMs: number }>(steps: readonly S[], o: Drive<S>): Promise<void> {
  const inflight = new Set<Promise<void>>();
  for (const step of steps) {
    while (inflight.size >= o.concurrency) await Promise.race(inflight);
    const label = o.label(step);
    const { promise } = o.tracker.track(label, o.run(step), (error) => o.problems.push(`${label} failed in the driver: ${(error as Error)?.message ?? error}`));
    const spot = o.spot ? o.spot(label, promise) : promise;
    inflight.add(spot);
    void spot.then(() => inflight.delete(spot));
    o.onStep?.(step.i + 1, steps.length);
    if (step.gapMs > 0) await sleep(step.gapMs);
  }
}
