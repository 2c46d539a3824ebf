/**
 * One layer configuration's chaos run, shared by `npm run chaos` (tools/chaos.ts) and the bounded spec
 * (e2e/chaos.spec.ts), on the lock runs' machinery (../run.ts): 8 slots (../slots.ts: freeze, close,
 * crash, back/forward navigation, a fresh page for each one gone), the seeded schedule (schedule.ts) driven
 * with at most `concurrency` steps in flight (../drive.ts), every promise tracked (../tracker.ts). Then:
 * 1. DRAIN: every page stops its faults and waits for its own promises (naming those that never settle).
 * 2. LIVENESS: while pages are left, the one that leads (hosts) within `LIVENESS_MS` proves it (a leader
 *    action that lands; a backup written; the service: every page left gets a call answered), and is
 *    closed; the next must lead. A campaign that died silently never leads again, and shows here.
 * 3. CHECK: everything is read back from IndexedDB by one page and checked (invariants.ts).
 *
 * `LIVENESS_MS` = 15 s: a healthy takeover after a close is immediate (the lock is released), but a
 * campaign may be in its backoff after the last injected fault (at most 5 s, src/core/signals.ts), and
 * a lease may need to lapse (1.5 s) or a Web Locks leader be found stale (2 s): 15 s covers all of them
 * with a loaded machine's grace.
 */
import type { BrowserContext } from '@playwright/test';
import type { PageProblems, Tabs } from '../../fixtures.js';
import { PAGES } from '../configs.js';
import { prepareContext } from '../context.js';
import { driveSteps, type RunOptionsBase } from '../drive.js';
import { Slot } from '../slots.js';
import { DEFAULT_CONCURRENCY, DEFAULT_GRACE_MS, count, tallyPage } from '../summary.js';
import { Tracker } from '../tracker.js';
import type { WriteReport } from '../types.js';
import type { LayerConfig } from './configs.js';
import { checkLayers, type TimedServiceCall } from './invariants.js';
import { layerSchedule, type LayerStep } from './schedule.js';
import { emptyLayerSummary, tallyLayer, type LayerSummary } from './summary.js';
import type { LayerReport, ServiceCallReport, UpdateReport } from './types.js';

export const LIVENESS_MS = 15_000;

/** `without`: see `LAYER_STEP_KINDS`. */
export interface LayerRunOptions extends RunOptionsBase {
  readonly config: LayerConfig;
  readonly context: BrowserContext;
  readonly tabs: Tabs;
  readonly problems: PageProblems;
}
const overlap = (intervals: ReadonlyArray<[number, number]>, from: number, to: number): number =>
  intervals.reduce((sum, [a, b]) => sum + Math.max(0, Math.min(b, to) - Math.max(a, from)), 0);

export async function runLayerChaos(o: LayerRunOptions): Promise<LayerSummary> {
  const { config, seed, actions, context, tabs } = o;
  const concurrency = o.concurrency ?? DEFAULT_CONCURRENCY;
  const graceMs = o.graceMs ?? DEFAULT_GRACE_MS;
  const settleMs = o.settleMs ?? 60_000;
  const started = Date.now();
  const without = [...(o.without ?? [])];
  const summary = emptyLayerSummary(config.name, config.layer, seed, { without, concurrency, graceMs, actions });
  await prepareContext(context, config);
  const steps = layerSchedule(seed, actions, { config: config.name, layer: config.layer, pages: PAGES, without: new Set(without) });
  const slots = Array.from({ length: PAGES }, (_, i) => new Slot(i, config, context, tabs));
  await Promise.all(slots.map((slot) => slot.open()));

  const calls: Array<{ call: ServiceCallReport; actor: string; slot: Slot }> = [];
  const writes: WriteReport[] = [];
  const updates: UpdateReport[] = [];
  const problems: string[] = [];
  const absorb = (report: LayerReport, slot: Slot): void => {
    for (const call of report.calls) calls.push({ call, actor: report.actor, slot });
    writes.push(...report.writes);
    updates.push(...report.updates);
    problems.push(...report.problems);
    tallyLayer(summary, report);
  };

  const runStep = async (step: LayerStep): Promise<void> => {
    if ('page' in step) return tallyPage(summary, await slots[step.slot]!.run(step.page));
    count(summary.steps, step.action.kind);
    const slot = slots[step.actor]!;
    const result = await slot.call((page) => page.evaluate((a) => window.chaos.layerAct(a), step.action));
    if ('value' in result) absorb(result.value, slot);
    else if (result.interrupted) summary.interrupted++;
    else throw result.error;
  };

  const tracker = new Tracker();
  const label = (step: LayerStep): string => ('page' in step ? `step #${step.i}: ${step.page.kind} of page ${step.slot}` : `step #${step.i}: ${step.action.kind} on page ${step.actor}`);
  await driveSteps(steps, { concurrency, tracker, problems, label, run: runStep, onStep: o.onStep });
  const unsettled = await tracker.pendingAfter(settleMs);
  await Promise.all(slots.map((slot) => slot.settled()));
  for (const slot of slots) {
    const label = `drain of page ${slot.index}`;
    tracker.track(label, slot.page.evaluate(() => window.chaos.layerDrain()).then((r) => absorb(r, slot)), (error) => problems.push(`${label} failed: ${(error as Error)?.message ?? error}`));
  }
  unsettled.push(...(await tracker.pendingAfter(settleMs)).filter((label) => !unsettled.includes(label)));
  summary.promises = { started: tracker.all.length, settled: tracker.settled };

  problems.push(...(await liveness(slots, summary, absorb)));

  const dump = await slots[0]!.page.evaluate((kind) => window.chaos.layerDump(kind), config.layer);
  const verdict = checkLayers({
    layer: config.layer,
    dump,
    writes,
    updates,
    calls: calls.map(({ call, actor, slot }): TimedServiceCall => ({
      ...call,
      actor,
      pausedMs: overlap(slot.frozen, call.requestedAt, call.settledAt),
      othersPausedMs: Math.max(0, ...slots.filter((s) => s !== slot).map((s) => overlap(s.frozen, call.requestedAt, call.settledAt))),
    })),
    graceMs,
    unsettled,
    problems: [...problems, ...o.problems.messages],
  });
  summary.leaderships = dump.leads.length;
  const terms = dump.leads.map((l) => l.generation);
  summary.terms = terms.length ? [Math.min(...terms), Math.max(...terms)] : undefined;
  summary.writes.tried = dump.intents.length;
  summary.writes.landed = verdict.landed;
  summary.writes.unknown = Math.max(0, dump.intents.length - writes.filter((w) => w.reason !== 'the read before it failed').length);
  summary.executions = dump.executions.length;
  summary.swaps = dump.swaps.length;
  summary.reads = dump.reads.length;
  summary.stored = dump.archive.length + (dump.latest ? 1 : 0);
  summary.latestSequence = dump.latest?.sequence;
  summary.violations = verdict.violations;
  summary.ms = Date.now() - started;
  return summary;
}

/**
 * The end's liveness check (see the module comment): returns its violations. No page action runs any
 * more, so a slot's page is its page for good. A round tries again while its LIVENESS_MS lasts when a
 * proof fails: a lease holder learns that it lost its lock only at its next renewal (a page whose clock
 * jumped back wrote a lease already over, and another took the lock), and a client that followed the
 * closed host needs a moment to find the next one; a campaign that never recovers still fails the round.
 */
async function liveness(slots: readonly Slot[], summary: LayerSummary, absorb: (r: LayerReport, slot: Slot) => void): Promise<string[]> {
  const left = [...slots];
  summary.liveness.of = left.length;
  while (left.length > 0) {
    const from = Date.now();
    const deadline = from + LIVENESS_MS;
    const tags = left.map((s) => `p${s.index}#${s.incarnation}`).join(', ');
    let last: string | undefined;
    for (;;) {
      const leader = await firstLeading(left, Math.max(0, deadline - Date.now()));
      summary.liveness.maxWaitMs = Math.max(summary.liveness.maxWaitMs, Date.now() - from);
      if (!leader) return [`liveness: none of ${tags} led within ${LIVENESS_MS} ms after the chaos${last ? ` (before: ${last})` : ''}: their campaigns are dead`];
      // The service: every page left must get a call answered; the others: the leader's own action.
      const provers = summary.layer === 'service' ? left : [leader];
      const failed = (await Promise.all(provers.map((slot) => prove(slot, absorb)))).filter((f): f is string => f !== undefined);
      if (failed.length === 0) {
        summary.liveness.led++;
        absorb(await leader.page.evaluate(() => window.chaos.layerClose()), leader);
        left.splice(left.indexOf(leader), 1);
        break;
      }
      const failure = `p${leader.index}#${leader.incarnation} leads, but ${failed.join('; ')}`;
      if (Date.now() >= deadline) return [`liveness: for ${LIVENESS_MS} ms, ${failure}`];
      summary.liveness.retries++;
      summary.liveness.firstFailure ??= failure;
      last = failure;
    }
  }
  return [];
}

/** The first of `slots` whose campaign leads within `ms`, or undefined. */
function firstLeading(slots: readonly Slot[], ms: number): Promise<Slot | undefined> {
  return new Promise((resolve) => {
    let answered = 0;
    for (const slot of slots) {
      slot.page.evaluate((ms) => window.chaos.layerLeads(ms), ms).then(
        (leads) => (leads ? resolve(slot) : ++answered === slots.length && resolve(undefined)),
        () => ++answered === slots.length && resolve(undefined),
      );
    }
  });
}

/** `slot`'s proof (its page's action that must succeed now): what failed, or undefined. */
async function prove(slot: Slot, absorb: (r: LayerReport, slot: Slot) => void): Promise<string | undefined> {
  const { outcome, report } = await slot.page.evaluate(() => window.chaos.layerProve());
  absorb(report, slot);
  return outcome === 'ok' || outcome === 'written' ? undefined : `p${slot.index}#${slot.incarnation}'s proof failed: ${outcome}`;
}
