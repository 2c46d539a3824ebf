/**
 * The Redis chaos run, shared by `npm run chaos -- --config redis` (tools/chaos.ts) and the bounded test
 * (test/redis/chaos.test.ts): start a throwaway redis-server of its own (tools/redis.ts
 * `startDurableRedis`: it is crashed, restarted and paused, so never the test run's shared one) and
 * PROCESSES child processes (child.ts), run the seeded schedule (schedule.ts) with at most `concurrency`
 * steps in flight (../drive.ts: a spot frees when a step's promise settles; the schedule's gaps, holds
 * and stops are the workload, never synchronisation), wait for every promise it started, drain every
 * process, read the counters from Redis, and check the invariants (invariants.ts). Returns the summary.
 *
 * BOUNDED: every step is watched for STEP_LIMIT_MS (a step still pending then is reported, and the run
 * goes on), the end waits at most `settleMs` for the promises in flight and for the drains, and the
 * processes and the server are killed on the way out, even on a failure (and by an exit handler, or on
 * SIGINT/SIGTERM, if the driver itself dies first; the children also exit when their IPC channel closes).
 */
import { createClient } from 'redis';
import { RedisFencedStore } from '../../../src/redis.js';
import { startDurableRedis } from '../../../tools/redis.js';
import { driveSteps, sleep, type RunOptionsBase } from '../drive.js';
import { DEFAULT_CONCURRENCY, DEFAULT_GRACE_MS } from '../summary.js';
import { Tracker } from '../tracker.js';
import type { Counter } from '../types.js';
import { check, type TimedCall } from './invariants.js';
import { ProcSlot, type ActResult, type Evidence } from './procs.js';
import { redisSchedule } from './schedule.js';
import { emptyRedisSummary, tallyRedisReport, type RedisSummary } from './summary.js';
import { CHAOS_NAMESPACE, monoNow, type Outage, type ServerEvent, type Step, type WriteReport } from './types.js';

export const PROCESSES = 5;
/** A step (an action: its timeout, its hold, its writes; a stop; a server event) takes seconds at most. */
const STEP_LIMIT_MS = 30_000;
const DATABASE = 'chaos';

/** `without`: schedule.ts `REDIS_STEP_KINDS`. */
export interface RedisRunOptions extends RunOptionsBase {
  readonly processes?: number;
}

export async function runRedisChaos(o: RedisRunOptions): Promise<RedisSummary> {
  const began = Date.now();
  const processes = o.processes ?? PROCESSES;
  const concurrency = o.concurrency ?? DEFAULT_CONCURRENCY;
  const graceMs = o.graceMs ?? DEFAULT_GRACE_MS;
  const without = [...(o.without ?? [])];
  const summary = emptyRedisSummary(o.seed, { without, concurrency, graceMs, actions: o.actions, processes });
  const { names, steps } = redisSchedule(o.seed, o.actions, processes, new Set(without));

  const server = await startDurableRedis();
  const evidence: Evidence = { holds: new Map(), intents: [], problems: [], stops: [] };
  const slots: ProcSlot[] = [];
  const killAll = (): void => {
    for (const slot of slots) slot.killNow();
    server.kill();
  };
  // Killed by a signal, the driver takes its processes and server with it, then dies of that signal as it would have.
  const onSignal = (signal: NodeJS.Signals): void => {
    killAll();
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    process.kill(process.pid, signal);
  };
  process.once('exit', killAll).once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    for (let i = 0; i < processes; i++) slots.push(new ProcSlot(i, server.url, DATABASE, evidence));
    await Promise.all(slots.map((slot) => slot.ready()));

    const calls: TimedCall[] = [];
    const writes: WriteReport[] = [];
    const outages: Outage[] = [];
    const absorb = (result: ActResult): void => {
      if (!('report' in result)) return void summary.interrupted++;
      const { report } = result;
      for (const call of report.calls) calls.push({ ...call, actor: report.actor });
      writes.push(...report.writes);
      evidence.problems.push(...report.problems);
      tallyRedisReport(summary, report);
    };

    // Server events run one at a time: each waits for the one before.
    let serverChain: Promise<void> = Promise.resolve();
    const onServer = (step: number, event: ServerEvent): Promise<void> => {
      const run = serverChain.then(async () => {
        const from = monoNow();
        let kind: Outage['kind'] = event.kind;
        if (event.kind === 'crash') {
          await server.crash(event.gapMs);
          summary.crashes++;
        } else if (event.kind === 'restart') {
          const how = await server.restartWithData();
          summary.restarts++;
          if (how === 'killed') (summary.restartsKilled++, (kind = 'crash (restart fell back to SIGKILL)'));
        } else {
          server.pause(true);
          await sleep(event.ms);
          server.pause(false);
          summary.pauses++;
        }
        const to = monoNow();
        if (event.kind === 'pause') summary.pausedMs += to - from;
        outages.push({ step, kind, empty: kind !== 'pause' && kind !== 'restart', from, to });
      });
      serverChain = run.catch(() => {});
      return run;
    };

    const runStep = async (step: Step): Promise<void> => {
      if ('server' in step) return onServer(step.i, step.server);
      const slot = slots[step.slot]!;
      if ('proc' in step) {
        if (step.proc.kind === 'kill') return slot.kill();
        summary.stops++;
        summary.stoppedMs += await slot.stop(step.proc.ms);
        return;
      }
      absorb(await slot.act(step.action));
    };
    const watched = (label: string, promise: Promise<void>): Promise<void> => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const limit = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          evidence.problems.push(`${label} was still pending after ${STEP_LIMIT_MS} ms`);
          resolve();
        }, STEP_LIMIT_MS);
      });
      return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
    };

    const tracker = new Tracker();
    const failed = (label: string) => (error: unknown) => evidence.problems.push(`${label} failed in the driver: ${(error as Error)?.message ?? error}`);
    const label = (step: Step): string =>
      `step #${step.i}: ${'server' in step ? `Redis ${step.server.kind}` : 'proc' in step ? `${step.proc.kind} of process ${step.slot}` : `${step.action.kind} on process ${step.slot}`}`;
    await driveSteps(steps, { concurrency, tracker, problems: evidence.problems, label, run: runStep, spot: watched, onStep: o.onStep });
    const settleMs = o.settleMs ?? 60_000;
    const unsettled = await tracker.pendingAfter(settleMs);
    await Promise.all(slots.map((slot) => slot.settled()));
    for (const slot of slots) tracker.track(`drain of process ${slot.index}`, slot.drain().then(absorb), failed(`drain of process ${slot.index}`));
    unsettled.push(...(await tracker.pendingAfter(settleMs)).filter((label) => !unsettled.includes(label)));
    summary.promises = { started: tracker.all.length, settled: tracker.settled };
    summary.kills = slots.reduce((sum, slot) => sum + slot.kills, 0);

    const counters = await bounded(readCounters(server.url, names), settleMs, 'reading the counters from Redis');
    const holds = [...evidence.holds.values()];
    const verdict = check({ names, holds, intents: evidence.intents, writes, counters, calls, outages, stops: evidence.stops, graceMs, unsettled, problems: evidence.problems });
    summary.holds = { total: holds.length, reads: holds.reduce((sum, h) => sum + h.reads, 0) };
    summary.writes.tried = evidence.intents.length;
    summary.writes.onFinalChains = Object.values(verdict.landed).reduce((a, b) => a + b, 0);
    summary.writes.unknown = evidence.intents.length - writes.filter((w) => w.id !== '').length;
    summary.overlaps = verdict.overlaps;
    summary.violations = verdict.violations;
    summary.excusedByOutage = verdict.excusedByOutage;
    summary.ms = Date.now() - began;
    return summary;
  } finally {
    await Promise.all(slots.map((slot) => slot.dispose()));
    await server.stop();
    process.off('exit', killAll).off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
}

function bounded<T>(promise: Promise<T>, ms: number, doing: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${doing} took over ${ms} ms`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** The fenced counters as Redis has them at the end. */
async function readCounters(url: string, names: readonly string[]): Promise<Record<string, Counter | undefined>> {
  const client = createClient({ url });
  client.on('error', () => {});
  await client.connect();
  try {
    const entries = new Map(await new RedisFencedStore<Counter>({ client, database: DATABASE, namespace: CHAOS_NAMESPACE }).entries());
    return Object.fromEntries(names.map((name) => [name, entries.get(name)]));
  } finally {
    client.destroy();
  }
}
