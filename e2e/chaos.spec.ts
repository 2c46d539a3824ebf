/**
 * The chaos suite, bounded: for each backend configuration, 8 pages of one context run a seeded
 * schedule of CHAOS_ACTIONS steps (default 120: bounded by count, not by time) of locks, fenced writes,
 * clock jumps, freezes, closes, crashes and back/forward navigations, and no invariant of
 * e2e/chaos/invariants.ts may be violated. The same seed every run (CHAOS_SEED overrides it; the summary
 * prints the command that replays it with `npm run chaos`); `npm run chaos` explores random seeds.
 *
 * The configurations run one after another in one worker (8 renderers each is what 2 cores take), in
 * a browser launched with the back/forward cache on (Playwright turns it off by default).
 */
import { CONFIGS } from './chaos/configs.js';
import { check } from './chaos/invariants.js';
import { runChaos } from './chaos/run.js';
import { format, replayCommand } from './chaos/summary.js';
import { CONFIG_NAMES } from './chaos/types.js';
import { expect, test } from './fixtures.js';
import { CHROMIUM_ARGS, findChromium } from '../tools/browser.js';

const seed = Number(process.env.CHAOS_SEED ?? 20261122);
const actions = Number(process.env.CHAOS_ACTIONS ?? 120);

test.use({ launchOptions: { executablePath: findChromium(), args: CHROMIUM_ARGS, ignoreDefaultArgs: ['--disable-back-forward-cache'] } });
test.describe.configure({ mode: 'default' });

for (const name of CONFIG_NAMES) {
  test(`chaos ${name}: ${actions} seeded steps over 8 pages break no invariant`, async ({ context, tabs, problems }, testInfo) => {
    test.setTimeout(90_000);
    const summary = await runChaos({ config: CONFIGS[name], seed, actions, context, tabs, problems });
    console.log(format(summary));
    testInfo.annotations.push({ type: 'chaos', description: `seed ${seed}; replay: ${replayCommand(summary)}` });
    expect(summary.violations, `chaos ${name} violated invariants; replay: ${replayCommand(summary)}`).toEqual([]);
  });
}

test('control: the checker catches a lost update, a stale write accepted, a refused write that landed, a shared fencing token and a late call', () => {
  const intent = (id: string, prev: string, n: number, generation: number, owner: string) => ({ id, prev, n, lockName: 'a', generation, owner, actor: owner });
  const grant = (owner: string, generation: number, seq: number, stored = generation) => ({ lockName: 'a', generation, owner, mode: 'exclusive' as const, actor: owner, seq, stored });
  const clean = {
    names: ['a'],
    intents: [intent('x.1', 'start', 1, 5, 'x'), intent('y.1', 'x.1', 2, 6, 'y')],
    grants: [grant('x', 5, 1), grant('y', 6, 1)],
    counters: { a: { n: 2, id: 'y.1' } },
    writes: [{ id: 'x.1', lockName: 'a', outcome: 'ok' }, { id: 'y.1', lockName: 'a', outcome: 'ok' }],
    calls: [{ call: 'lock' as const, name: 'a', mode: 'exclusive' as const, timeout: 100, outcome: 'timeout' as const, requestedAt: 0, settledAt: 150, actor: 'x', pausedMs: 0, othersPausedMs: 0 }],
    graceMs: 2000,
    unsettled: [],
    problems: [],
  };
  expect(check(clean).violations).toEqual([]);

  const broken = check({
    ...clean,
    intents: [...clean.intents, intent('z.1', 'x.1', 2, 6, 'z'), intent('x.2', 'y.1', 3, 5, 'x')],
    grants: [...clean.grants, grant('z', 6, 1), grant('y', 4, 2, 3)],
    counters: { a: { n: 3, id: 'x.2' } },
    writes: [...clean.writes, { id: 'z.1', lockName: 'a', outcome: 'ok' }, { id: 'x.2', lockName: 'a', outcome: 'StaleLockError', refusedBy: 'store' }],
    calls: [{ ...clean.calls[0]!, settledAt: 5000 }],
  }).violations.join('\n');
  expect(broken).toContain('lost update: z.1');
  expect(broken).toContain('stale write accepted: x.2');
  expect(broken).toContain('write x.2 was refused (StaleLockError) but landed');
  expect(broken).toContain('generation 6 granted exclusively to two managers');
  expect(broken).toContain('generation went down for y');
  expect(broken).toContain('stored generation 3 below');
  expect(broken).toContain('settled (timeout) after 5000 ms');
});
