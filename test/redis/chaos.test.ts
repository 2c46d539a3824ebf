/**
 * `npm run chaos -- --config redis`, bounded: CHAOS_ACTIONS seeded steps (default 150: bounded by count,
 * not by time; about 10 s) of locks, fenced writes, processes killed and stopped, Redis crashed
 * (restarted empty), restarted with its data and paused, over 5 real Node processes on a redis-server
 * of the run's own (it is crashed and paused, so never this project's shared one), and no invariant of
 * e2e/chaos/redis/invariants.ts may be violated. The same seed every run (CHAOS_SEED overrides it; the
 * summary prints the command that replays it); `npm run chaos` explores random seeds.
 *
 * And a control: the checker, a pure function, catches each kind of violation it is there for and
 * excuses what it must (a counter started again after an empty restart, a call late during an outage).
 */
import { describe, expect, it } from 'vitest';
import { check, type RedisEvidence } from '../../e2e/chaos/redis/invariants.js';
import { runRedisChaos } from '../../e2e/chaos/redis/run.js';
import { formatRedis } from '../../e2e/chaos/redis/summary.js';
import type { Hold, Intent } from '../../e2e/chaos/redis/types.js';
import { replayCommand } from '../../e2e/chaos/summary.js';

const seed = Number(process.env.CHAOS_SEED ?? 17);
const actions = Number(process.env.CHAOS_ACTIONS ?? 150);

describe('chaos redis', () => {
  it(`${actions} seeded steps over 5 processes, with Redis crashed, restarted and paused, break no invariant`, { timeout: 90_000 }, async () => {
    const summary = await runRedisChaos({ seed, actions, settleMs: 20_000 });
    console.log(formatRedis(summary));
    expect(summary.promises.settled).toBe(summary.promises.started);
    expect(summary.violations, `chaos redis violated invariants; replay: ${replayCommand(summary)}`).toEqual([]);
  });

  it('control: the checker catches two believed holders, a generation gone back, a lost update, a stale write, a refused write that landed and a late call', () => {
    const hold = (key: string, owner: string, generation: number, from: number, to: number, mode: Hold['mode'] = 'exclusive'): Hold => ({
      key,
      actor: key,
      owner,
      name: 'a',
      mode,
      generation,
      grantedAt: from - 1,
      firstT1: from - 0.5,
      firstT2: from,
      lastT1: to,
      reads: 10,
    });
    const intent = (id: string, prev: string, n: number, generation: number, owner: string, at: number): Intent => ({
      id,
      prev,
      n,
      lockName: 'a',
      generation,
      owner,
      actor: owner,
      readSentAt: at,
      readAnsweredAt: at + 1,
      putSentAt: at + 2,
    });
    const ok = (id: string, at: number) => ({ id, lockName: 'a', outcome: 'ok', settledAt: at });
    const clean: RedisEvidence = {
      names: ['a'],
      // x holds, then y after it; two shared holds of z overlap each other, after both.
      holds: [hold('x', 'X', 5, 10, 100), hold('y', 'Y', 6, 120, 200), hold('z1', 'Z', 6, 300, 400, 'shared'), hold('z2', 'Z', 6, 350, 450, 'shared')],
      // x.1 and y.1 form a chain; Redis is crashed (empty) at 500, and x.2 starts the counter again.
      intents: [intent('x.1', 'start', 1, 5, 'X', 20), intent('y.1', 'x.1', 2, 6, 'Y', 130), intent('x.2', 'start', 1, 9, 'X', 600)],
      writes: [ok('x.1', 25), ok('y.1', 135), ok('x.2', 605)],
      counters: { a: { n: 1, id: 'x.2' } },
      calls: [{ call: 'tryLock', name: 'a', mode: 'exclusive', timeout: 0, outcome: 'null', requestedAt: 500, settledAt: 3000, actor: 'x' }],
      outages: [{ step: 1, kind: 'crash', empty: true, from: 500, to: 550 }],
      stops: [],
      graceMs: 2000,
      unsettled: [],
      problems: [],
    };
    const verdict = check(clean);
    expect(verdict.violations).toEqual([]);
    expect(verdict.excusedByOutage).toBe(1); // the tryLock late during the crash
    expect(verdict.landed).toEqual({ a: 1 });

    const broken = check({
      ...clean,
      // w still reads "not aborted" after y's grant, under an older generation; v shares y's generation.
      holds: [...clean.holds, hold('w', 'W', 4, 150, 180), hold('v', 'V', 6, 900, 950)],
      intents: [
        ...clean.intents,
        intent('v.1', 'x.1', 2, 6, 'V', 140), // read x.1 as y.1 did: a lost update
        intent('w.1', 'x.2', 2, 4, 'W', 610), // generation 4 over x.2's 9, and sent after y was handed 6
        intent('u.1', 'w.1', 3, 10, 'U', 620), // refused, yet the final value
        intent('t.1', 'start', 1, 11, 'T', 700), // started the counter again with no empty restart since x.2's
      ],
      writes: [...clean.writes, ok('v.1', 145), ok('w.1', 615), { id: 'u.1', lockName: 'a', outcome: 'StaleLockError', refusedBy: 'store', settledAt: 625 }, ok('t.1', 705)],
      counters: { a: { n: 3, id: 'u.1' } },
      calls: [...clean.calls, { call: 'lock', name: 'a', mode: 'exclusive', timeout: 100, outcome: 'timeout', requestedAt: 5000, settledAt: 8000, actor: 'y' }],
    }).violations.join('\n');
    expect(broken).toContain('mutual exclusion: "a": y (exclusive, generation 6) and w (exclusive, generation 4) both read guard.signal.aborted === false over the same 30 ms');
    expect(broken).toContain('generation went back: w first read "not aborted" under generation 4');
    expect(broken).toContain('generation 6 granted exclusively to two managers: y and v');
    expect(broken).toContain('lost update: y.1 (Y, generation 6) and v.1 (V, generation 6) all read x.1 and all landed');
    expect(broken).toContain('stale write accepted: w.1 (W, generation 4) landed over x.2 (X, generation 9)');
    expect(broken).toContain('stale write accepted: w.1 (W, generation 4) was sent');
    expect(broken).toContain('write u.1 (U, generation 10) was refused (StaleLockError) but landed');
    expect(broken).toContain('lost update: x.2 (X, generation 9) and t.1 (T, generation 11) both started the counter, with no empty restart of Redis in between');
    expect(broken).toContain('y lock("a", exclusive, timeout 100) settled (timeout) after 3000 ms');
  });
});
