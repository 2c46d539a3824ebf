/**
 * One configuration's chaos run, shared by `npm run chaos` (tools/chaos.ts) and the bounded spec
 * (e2e/chaos.spec.ts): open 8 pages of the given context, run the seeded schedule over them with at
 * most `concurrency` steps in flight (drive.ts: a slot frees when a step's promise settles, no sleeps
 * as synchronisation; the schedule's own gaps, holds and freezes are the workload), then wait for every
 * promise it started, drain every page and the worker, read the log and the counters from IndexedDB,
 * and check the invariants (invariants.ts). Returns the summary; the caller decides how to fail.
 */
import type { BrowserContext } from '@playwright/test';
import type { PageProblems, Tabs } from '../fixtures.js';
import { PAGES, type ChaosConfig } from './configs.js';
import { prepareContext } from './context.js';
import { driveSteps, type RunOptionsBase } from './drive.js';
import { check } from './invariants.js';
import { schedule } from './schedule.js';
import { Slot } from './slots.js';
import { DEFAULT_CONCURRENCY, DEFAULT_GRACE_MS, emptySummary, tallyPage, tallyReport, type Summary } from './summary.js';
import { Tracker } from './tracker.js';
import type { ActReport, CallReport, Step, WriteReport } from './types.js';

/** `without`: see `STEP_KINDS`. */
export interface RunOptions extends RunOptionsBase {
  readonly config: ChaosConfig;
  readonly context: BrowserContext;
  readonly tabs: Tabs;
  readonly problems: PageProblems;
}

const overlap = (intervals: ReadonlyArray<[number, number]>, from: number, to: number): number =>
  intervals.reduce((sum, [a, b]) => sum + Math.max(0, Math.min(b, to) - Math.max(a, from)), 0);

export async function runChaos(o: RunOptions): Promise<Summary> {
  const { config, seed, actions, context, tabs } = o;
  const concurrency = o.concurrency ?? DEFAULT_CONCURRENCY;
  const graceMs = o.graceMs ?? DEFAULT_GRACE_MS;
  const started = Date.now();
  const without = [...(o.without ?? [])];
  const summary = emptySummary(config.name, seed, { without, concurrency, graceMs });
  summary.actions = actions;
  await prepareContext(context, config);
  const { names, steps } = schedule(seed, actions, { config: config.name, pages: PAGES, workers: config.worker ? 1 : 0, steals: config.steals, without: new Set(without) });

  const slots = Array.from({ length: PAGES }, (_, i) => new Slot(i, config, context, tabs));
  await Promise.all(slots.map((slot) => slot.open()));

  const calls: Array<{ call: CallReport; actor: string; slot: Slot | undefined }> = [];
  const writes: WriteReport[] = [];
  const problems: string[] = [];
  const absorb = (report: ActReport, slot: Slot | undefined): void => {
    for (const call of report.calls) calls.push({ call, actor: report.actor, slot });
    writes.push(...report.writes);
    problems.push(...report.problems);
    tallyReport(summary, report);
  };

  const runStep = async (step: Step): Promise<void> => {
    if ('page' in step) return tallyPage(summary, await slots[step.slot]!.run(step.page));
    const worker = step.actor >= PAGES;
    const slot = slots[worker ? config.worker!.host : step.actor]!;
    if (step.action.kind === 'clock') summary.clockJumps++;
    if ('jumpMs' in step.action && step.action.jumpMs) summary.clockJumpsMidHold++;
    const result = await slot.act(step.action, worker);
    if ('report' in result) absorb(result.report, worker ? undefined : slot); // the worker is never paused
    else if (result.interrupted) summary.interrupted++;
    else throw result.error;
  };

  const tracker = new Tracker();
  const label = (step: Step): string => ('page' in step ? `step #${step.i}: ${step.page.kind} of page ${step.slot}` : `step #${step.i}: ${step.action.kind} on actor ${step.actor}`);
  await driveSteps(steps, { concurrency, tracker, problems, label, run: runStep, onStep: o.onStep });
  const settleMs = o.settleMs ?? 60_000;
  const unsettled = await tracker.pendingAfter(settleMs);

  // Drain: every kept guard released and every in-page promise settled, in every page and the worker.
  await Promise.all(slots.map((slot) => slot.settled()));
  for (const slot of slots) {
    for (const worker of slot.hostsWorker ? [false, true] : [false]) {
      const label = `drain of ${worker ? 'the worker of ' : ''}page ${slot.index}`;
      const drained = slot.page.evaluate((w) => (w ? window.chaos.workerDrain() : window.chaos.drain()), worker).then((report) => absorb(report, undefined));
      tracker.track(label, drained, (error) => problems.push(`${label} failed: ${(error as Error)?.message ?? error}`));
    }
  }
  unsettled.push(...(await tracker.pendingAfter(settleMs)).filter((label) => !unsettled.includes(label)));
  summary.promises = { started: tracker.all.length, settled: tracker.settled };

  const reader = slots[0]!.page;
  const { intents, grants } = await reader.evaluate(() => window.chaos.dump());
  const counters = await reader.evaluate((n) => window.chaos.counters(n), names);
  const verdict = check({
    names,
    intents,
    grants,
    counters,
    writes,
    calls: calls.map(({ call, actor, slot }) => ({
      ...call,
      actor,
      pausedMs: slot ? overlap(slot.frozen, call.requestedAt, call.settledAt) : 0,
      othersPausedMs: Math.max(0, ...slots.filter((s) => s !== slot).map((s) => overlap(s.frozen, call.requestedAt, call.settledAt))),
    })),
    graceMs,
    unsettled,
    problems: [...problems, ...o.problems.messages],
  });
  summary.writes.tried = intents.length;
  summary.writes.landed = Object.values(verdict.landed).reduce((a, b) => a + b, 0);
  summary.writes.unknown = intents.length - writes.length;
  summary.violations = verdict.violations;
  summary.waitedOnPausedPage = verdict.waitedOnPausedPage;
  summary.ms = Date.now() - started;
  return summary;
}
