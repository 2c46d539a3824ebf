/**
 * The chaos suite, bounded: for each backend configuration, 8 pages of one context run a seeded
 * schedule of CHAOS_ACTIONS steps (default 120: bounded by count, not by time) of locks, fenced writes,
 * clock jumps, freezes, closes, crashes and back/forward navigations, and no invariant of
 * e2e/chaos/invariants.ts may be violated. The same seed every run (CHAOS_SEED overrides it; the summary
 * prints the command that replays it with `npm run chaos`); `npm run chaos` explores random seeds.
 *
 * The coordination layers' configurations (e2e/chaos/layers/: leader, service and backup, on leases and
 * on Web Locks) run the same way, CHAOS_ACTIONS steps each with injected storage failures besides, and
 * no invariant of e2e/chaos/layers/invariants.ts may be violated (their end's liveness check included).
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
import { LAYER_CONFIGS } from './chaos/layers/configs.js';
import { checkLayers, type LayerEvidence } from './chaos/layers/invariants.js';
import { runLayerChaos } from './chaos/layers/run.js';
import { formatLayer } from './chaos/layers/summary.js';
import { LAYER_CONFIG_NAMES } from './chaos/layers/types.js';

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

for (const name of LAYER_CONFIG_NAMES) {
  test(`chaos ${name}: ${actions} seeded steps over 8 pages break no invariant`, async ({ context, tabs, problems }, testInfo) => {
    test.setTimeout(150_000);
    const summary = await runLayerChaos({ config: LAYER_CONFIGS[name], seed, actions, context, tabs, problems });
    console.log(formatLayer(summary));
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

test('control: the layers\' checker catches two leaders in one term, a call run twice, a late call, and a backup that went back, forked, was lost or does not verify', () => {
  const intent = (id: string, prev: string, n: number, generation: number, owner: string) => ({ id, prev, n, lockName: 'service' as const, generation, owner, actor: owner });
  const lead = (owner: string, generation: number, seq: number) => ({ lockName: 'service' as const, generation, owner, actor: owner, seq, stored: generation });
  const call = (callId: string, hostId: string, settledAt = 100) => ({ callId, outcome: 'ok', hostId, timeout: 5000, requestedAt: 0, settledAt, actor: 'x', pausedMs: 0, othersPausedMs: 0 });
  const b = (key: string, sequence: number, state: string) => ({ key, sequence, state });
  const empty = { intents: [], leads: [], executions: [], updates: [], swaps: [], reads: [], counter: undefined, latest: undefined, archive: [] };
  const service: LayerEvidence = {
    layer: 'service',
    dump: {
      ...empty,
      intents: [intent('c1@h1', 'start', 1, 5, 'x'), intent('c2@h2', 'c1@h1', 2, 6, 'y')],
      leads: [lead('x', 5, 1), lead('y', 6, 1)],
      executions: [{ callId: 'c1', hostId: 'h1', epoch: 5, actor: 'x' }, { callId: 'c2', hostId: 'h2', epoch: 6, actor: 'y' }],
      counter: { n: 2, id: 'c2@h2' },
    },
    writes: [{ id: 'c1@h1', lockName: 'service', outcome: 'ok' }, { id: 'c2@h2', lockName: 'service', outcome: 'ok' }],
    calls: [call('c1', 'h1'), call('c2', 'h2')],
    updates: [],
    graceMs: 2000,
    unsettled: [],
    problems: [],
  };
  expect(checkLayers(service).violations).toEqual([]);
  const brokenService = checkLayers({
    ...service,
    dump: { ...service.dump, leads: [...service.dump.leads, lead('z', 6, 1)], executions: [...service.dump.executions, { callId: 'c1', hostId: 'h3', epoch: 6, actor: 'z' }] },
    calls: [call('c1', 'h1', 9000), call('c2', 'h9')],
  }).violations.join('\n');
  expect(brokenService).toContain('generation 6 granted exclusively to two managers');
  expect(brokenService).toContain('service call c1 ran 2 times');
  expect(brokenService).toContain('service call c2 was answered ok by host h9, which never logged running it');
  expect(brokenService).toContain('settled (timeout) after 9000 ms');

  const backup: LayerEvidence = {
    ...service,
    layer: 'backup',
    dump: { ...empty, updates: ['s1', 's2', 's3'], swaps: [{ sequence: 0, state: 's1', actor: 'x' }, { sequence: 1, state: 's2', actor: 'y' }], reads: [{ actor: 'x', order: 1, seen: b('latest', 0, 's1') }, { actor: 'x', order: 2, seen: b('latest', 1, 's2') }], latest: b('latest', 1, 's2'), archive: [b('archive #0', 0, 's1')] },
    writes: [],
    calls: [],
    updates: [{ state: 's1', outcome: 'written', sequence: 0 }],
  };
  expect(checkLayers(backup).violations).toEqual([]);
  const brokenBackup = checkLayers({
    ...backup,
    dump: {
      ...backup.dump,
      swaps: [...backup.dump.swaps, { sequence: 1, state: 's3', actor: 'z' }, { sequence: 2, state: 's3', actor: 'z' }],
      reads: [...backup.dump.reads, { actor: 'x', order: 3, seen: b('latest', 0, 's1') }, { actor: 'y', order: 1, seen: { key: 'latest', error: 'BackupFormatError:checksum: torn' } }],
      latest: b('latest', 0, 'invented'),
      archive: [b('archive #0', 0, 's1'), { key: 'archive #1', error: 'BackupFormatError:truncated: short' }],
    },
    updates: [{ state: 's4', outcome: 'BackupRefusedError:empty' }],
  }).violations.join('\n');
  expect(brokenBackup).toContain('two stored backups have sequence 0');
  expect(brokenBackup).toContain('holds "invented", never given to update()');
  expect(brokenBackup).toContain('is not above the archived archive #0');
  expect(brokenBackup).toContain('the stored archive #1 does not verify');
  expect(brokenBackup).toContain('two swaps committed sequence 1');
  expect(brokenBackup).toContain("z's swap of sequence 2 (\"s3\") committed, but no stored backup has that sequence: lost");
  expect(brokenBackup).toContain("x's read #3 saw sequence 0 after its read #2 saw 1: it went back");
  expect(brokenBackup).toContain("y's read #1 saw a stored backup that does not verify");
  expect(brokenBackup).toContain('update("s4") failed unexpectedly: BackupRefusedError:empty');
});
