/**
 * The lease rule, tested over every combination of: who holds (none / me / another owner, exclusive or
 * shared, live, expired, or released during unload), who waits (none / me / another, ahead or behind),
 * who took it last, what is asked (acquire / wait / renew / release) and in which mode. Each
 * combination is checked against the invariants of the protocol; a table of named rows pins the
 * verdicts that matter most.
 */
import { describe, expect, it } from 'vitest';
import type { LockMode } from '../core/types.js';
import { decide, type DecideInput, type Intent } from './decide.js';
import { freshRecord, type Entry, type LeaseRecord } from './record.js';

const NOW = 1_000_000;
const LEASE = 1_500;
const ME = 'me';
const TOKEN = 'my-token';
const live = (owner: string, token: string, mode: LockMode, left = 700, lease = LEASE): Entry => ({ owner, token, mode, expires: NOW + left, lease });
const expired = (owner: string, token: string, mode: LockMode): Entry => ({ owner, token, mode, expires: NOW - 1, lease: LEASE });

const HOLDERS: Record<string, Entry[]> = {
  none: [],
  'me exclusive': [live(ME, TOKEN, 'exclusive')],
  'me shared': [live(ME, TOKEN, 'shared')],
  'my other grant exclusive': [live(ME, 'mine-2', 'exclusive')],
  'other exclusive': [live('other', 'o1', 'exclusive')],
  'other exclusive expired': [expired('other', 'o1', 'exclusive')],
  'other exclusive dead': [live('other', 'dead-1', 'exclusive')],
  'other shared': [live('other', 'o1', 'shared')],
  'two shared': [live('other', 'o1', 'shared'), live('third', 't1', 'shared')],
  'other exclusive far future': [{ owner: 'other', token: 'o1', mode: 'exclusive', expires: NOW + 10 * 3600_000, lease: LEASE }],
  'other exclusive on a long lease': [live('other', 'o1', 'exclusive', 9_000, 10_000)],
};
const QUEUES: Record<string, Entry[]> = {
  empty: [],
  'other exclusive': [live('other', 'q1', 'exclusive')],
  'other shared': [live('other', 'q1', 'shared')],
  'other exclusive expired': [expired('other', 'q1', 'exclusive')],
  'me first': [live(ME, TOKEN, 'exclusive'), live('other', 'q1', 'exclusive')],
  'me behind exclusive': [live('other', 'q1', 'exclusive'), live(ME, TOKEN, 'exclusive')],
  'me behind shared': [live('other', 'q1', 'shared'), live(ME, TOKEN, 'shared')],
};
const LAST = [null, ME, 'other'];
const INTENTS: Intent[] = ['acquire', 'wait', 'renew', 'release'];
const MODES: LockMode[] = ['exclusive', 'shared'];
const dead = new Map([['dead-1', 'other']]);

function input(intent: Intent, mode: LockMode): DecideInput {
  return { now: NOW, lease: LEASE, owner: ME, token: TOKEN, mode, intent, dead };
}

function record(holders: Entry[], queue: Entry[], lastOwner: string | null): LeaseRecord {
  return { v: 2, generation: 42, lastOwner, used: NOW - 5_000, holders, queue };
}

const liveOnly = (list: readonly Entry[]) => list.filter((e) => e.expires > NOW && dead.get(e.token) !== e.owner);

describe('decide: every combination keeps the invariants', () => {
  const cases = Object.entries(HOLDERS).flatMap(([h, holders]) =>
    Object.entries(QUEUES).flatMap(([q, queue]) =>
      LAST.flatMap((last) => INTENTS.flatMap((intent) => MODES.map((mode) => ({ h, holders, q, queue, last, intent, mode })))),
    ),
  );

  it(`covers ${cases.length} combinations`, () => {
    expect(cases.length).toBe(11 * 7 * 3 * 4 * 2);
    for (const c of cases) {
      const label = `${c.intent} ${c.mode} | held: ${c.h} | queue: ${c.q} | last: ${c.last}`;
      const before = record(c.holders, c.queue, c.last);
      const d = decide(before, input(c.intent, c.mode));
      const after = d.record;
      const otherHolders = liveOnly(c.holders).filter((e) => e.token !== TOKEN);

      // Never an exclusive holder beside another holder.
      expect(after.holders.length > 1 && after.holders.some((e) => e.mode === 'exclusive'), label).toBe(false);
      // Expired and dead entries never survive; no entry lasts longer than its OWN lease from now, and
      // a live entry on a longer lease than the asker's keeps its expiry (mixed settings are safe).
      for (const e of [...after.holders, ...after.queue]) {
        expect(e.expires > NOW && e.expires <= NOW + e.lease && dead.get(e.token) !== e.owner, label).toBe(true);
      }
      for (const e of liveOnly([...c.holders, ...c.queue])) {
        const kept = [...after.holders, ...after.queue].find((a) => a.token === e.token && a.token !== TOKEN);
        if (kept && e.expires <= NOW + e.lease) expect(kept.expires, label).toBeGreaterThanOrEqual(e.expires);
      }
      // Another owner's live hold is never taken away.
      for (const e of otherHolders) expect(after.holders.some((a) => a.token === e.token), label).toBe(true);
      // The generation never goes down, and goes up exactly when the lock passes EXCLUSIVELY to a new
      // owner: a fresh exclusive take by me, or a release handing it to another owner's exclusive request.
      const alreadyHeld = liveOnly(c.holders).some((e) => e.token === TOKEN);
      expect(after.generation >= before.generation, label).toBe(true);
      expect(after.generation - before.generation, label).toBe(d.generationUp ? 1 : 0);
      expect(d.generationUp, label).toBe(
        (d.verdict === 'take' && c.mode === 'exclusive' && !alreadyHeld && c.last !== ME) ||
          (d.verdict === 'released' && d.promoted.some((e) => e.mode === 'exclusive' && e.owner !== c.last)),
      );
      if (d.verdict !== 'released') expect(d.promoted, label).toEqual([]);
      // What is written is what the decision says the record now is.
      if (d.write) expect(d.write, label).toEqual(after);

      switch (d.verdict) {
        case 'take': {
          expect(['acquire', 'wait'], label).toContain(c.intent);
          const blockers = c.mode === 'exclusive' ? otherHolders : otherHolders.filter((e) => e.mode === 'exclusive');
          expect(blockers, label).toEqual([]);
          expect(after.holders.filter((e) => e.token === TOKEN), label).toHaveLength(1);
          expect(after.queue.some((e) => e.token === TOKEN), label).toBe(false);
          if (!alreadyHeld) {
            expect(after.holders.find((e) => e.token === TOKEN), label).toEqual({ owner: ME, token: TOKEN, mode: c.mode, expires: NOW + LEASE, lease: LEASE });
            expect(after.lastOwner, label).toBe(c.mode === 'exclusive' ? ME : c.last);
            expect(after.used, label).toBe(NOW);
          }
          break;
        }
        case 'refuse':
          // A refusal never grants: whether my token holds is as it was (it cannot, tokens are per request).
          expect(after.holders.some((e) => e.token === TOKEN), label).toBe(liveOnly(c.holders).some((e) => e.token === TOKEN));
          // Waiting keeps exactly one place in the queue, refreshed; trying once never queues.
          expect(after.queue.filter((e) => e.token === TOKEN).length, label).toBe(c.intent === 'wait' ? 1 : liveOnly(c.queue).filter((e) => e.token === TOKEN).length);
          break;
        case 'extend':
          expect(c.intent).toBe('renew');
          expect(after.holders.find((e) => e.token === TOKEN)?.expires, label).toBe(NOW + LEASE);
          break;
        case 'lost':
          expect(c.intent).toBe('renew');
          expect(liveOnly(c.holders).some((e) => e.token === TOKEN), label).toBe(false);
          break;
        case 'released': {
          expect(c.intent).toBe('release');
          expect([...after.holders, ...after.queue].some((e) => e.token === TOKEN), label).toBe(false);
          // Handed over to a prefix of the queue, only when what remains held allows it.
          const waiting = liveOnly(c.queue).filter((e) => e.token !== TOKEN);
          expect(d.promoted.map((e) => e.token), label).toEqual(waiting.slice(0, d.promoted.length).map((e) => e.token));
          expect(after.queue.map((e) => e.token), label).toEqual(waiting.slice(d.promoted.length).map((e) => e.token));
          for (const e of d.promoted) {
            expect(after.holders, label).toContainEqual(e);
            expect(e.expires, label).toBe(NOW + e.lease);
          }
          const stillHeld = otherHolders;
          const next = waiting[d.promoted.length];
          if (next && (c.holders.some((e) => e.token === TOKEN) || c.queue.some((e) => e.token === TOKEN))) {
            // Whoever is next and was not promoted was not allowed in beside what is held now.
            const blocked = next.mode === 'exclusive' ? stillHeld.length + d.promoted.length > 0 : [...stillHeld, ...d.promoted].some((e) => e.mode === 'exclusive');
            expect(blocked, label).toBe(true);
          }
          break;
        }
      }
    }
  });
});

describe('decide: the verdicts that matter', () => {
  const row = (holders: Entry[], queue: Entry[], intent: Intent, mode: LockMode, last: string | null = 'other') =>
    decide(record(holders, queue, last), input(intent, mode));

  it.each([
    ['free lock, exclusive', [], [], 'acquire', 'exclusive', 'take'],
    ['free lock, shared', [], [], 'wait', 'shared', 'take'],
    ['live exclusive holder', HOLDERS['other exclusive']!, [], 'wait', 'exclusive', 'refuse'],
    ['live exclusive holder blocks shared', HOLDERS['other exclusive']!, [], 'wait', 'shared', 'refuse'],
    ['expired holder is taken over', HOLDERS['other exclusive expired']!, [], 'acquire', 'exclusive', 'take'],
    ['holder released during unload is taken over', HOLDERS['other exclusive dead']!, [], 'acquire', 'exclusive', 'take'],
    ['shared beside shared', HOLDERS['two shared']!, [], 'wait', 'shared', 'take'],
    ['exclusive waits for shared', HOLDERS['two shared']!, [], 'wait', 'exclusive', 'refuse'],
    ['shared waits behind a queued writer', HOLDERS['other shared']!, QUEUES['other exclusive']!, 'wait', 'shared', 'refuse'],
    ['tryLock refused while others wait', [], QUEUES['other shared']!, 'acquire', 'shared', 'refuse'],
    ['head of the queue takes', [], QUEUES['me first']!, 'wait', 'exclusive', 'take'],
    ['behind a live exclusive waiter', [], QUEUES['me behind exclusive']!, 'wait', 'exclusive', 'refuse'],
    ['shared behind shared waiters goes together', [], QUEUES['me behind shared']!, 'wait', 'shared', 'take'],
    ['expired waiter ahead lapses', [], QUEUES['other exclusive expired']!, 'wait', 'exclusive', 'take'],
    ['renew a live lease', HOLDERS['me exclusive']!, [], 'renew', 'exclusive', 'extend'],
    ['renew after someone else took it', HOLDERS['other exclusive']!, [], 'renew', 'exclusive', 'lost'],
    ['release a held lease', HOLDERS['me shared']!, [], 'release', 'shared', 'released'],
    ['not re-entrant: my other grant blocks me', HOLDERS['my other grant exclusive']!, [], 'acquire', 'exclusive', 'refuse'],
  ] as const)('%s → %s', (_, holders, queue, intent, mode, verdict) => {
    expect(row([...holders], [...queue], intent, mode).verdict).toBe(verdict);
  });

  it('hands the lock over on release: to the first exclusive waiter, or to every shared one at the head', () => {
    const exclusive = row([live(ME, TOKEN, 'exclusive')], [live('b', 'b1', 'exclusive'), live('c', 'c1', 'exclusive')], 'release', 'exclusive', ME);
    expect(exclusive.promoted.map((e) => e.token)).toEqual(['b1']);
    expect(exclusive.record).toMatchObject({ generation: 43, lastOwner: 'b', queue: [expect.objectContaining({ token: 'c1' })] });
    const shared = row([live(ME, TOKEN, 'exclusive')], [live('b', 'b1', 'shared'), live('c', 'c1', 'shared'), live('d', 'd1', 'exclusive')], 'release', 'exclusive', ME);
    expect(shared.promoted.map((e) => e.token)).toEqual(['b1', 'c1']);
    const blocked = row([live(ME, TOKEN, 'shared'), live('o', 'o1', 'shared')], [live('b', 'b1', 'exclusive')], 'release', 'shared', ME);
    expect(blocked.promoted).toEqual([]);
    const sameOwner = row([live(ME, TOKEN, 'exclusive')], [live(ME, 'mine-2', 'exclusive')], 'release', 'exclusive', ME);
    expect(sameOwner).toMatchObject({ generationUp: false, record: { generation: 42 } });
  });

  it('tells a request that was handed the lock, and asks again, that it holds it: as it is with half its lease left, renewed with less', () => {
    const fresh = row([live(ME, TOKEN, 'exclusive', 1400)], [], 'wait', 'exclusive', ME);
    expect(fresh).toMatchObject({ verdict: 'take', generationUp: false, write: null });
    expect(fresh.record.holders[0]?.expires).toBe(NOW + 1400); // its deadline is this stored expiry (holders.ts)
    const late = row([live(ME, TOKEN, 'exclusive', 700)], [], 'wait', 'exclusive', ME);
    expect(late).toMatchObject({ verdict: 'take', generationUp: false });
    expect(late.write?.holders[0]?.expires).toBe(NOW + LEASE);
  });

  it('raises the generation only when the owner of an exclusive grant changes', () => {
    expect(row([], [], 'acquire', 'exclusive', 'other')).toMatchObject({ generationUp: true, record: { generation: 43, lastOwner: ME } });
    expect(row([], [], 'acquire', 'exclusive', ME)).toMatchObject({ generationUp: false, record: { generation: 42 } });
    expect(row([], [], 'acquire', 'exclusive', null).generationUp).toBe(true);
  });

  it('never moves the generation or the last owner for a shared grant (issue 11, item 11)', () => {
    expect(row([], [], 'acquire', 'shared', 'other')).toMatchObject({ generationUp: false, record: { generation: 42, lastOwner: 'other' } });
    const readers = row([live('b', 'b1', 'shared')], [], 'wait', 'shared', 'other');
    expect(readers).toMatchObject({ verdict: 'take', generationUp: false, record: { generation: 42, lastOwner: 'other' } });
    // A writer after readers is the same owner as before them: not poisoned, no generation change.
    const released = row([live(ME, TOKEN, 'shared')], [live('other', 'q1', 'exclusive')], 'release', 'shared', 'other');
    expect(released).toMatchObject({ generationUp: false, record: { generation: 42, lastOwner: 'other' } });
  });

  it('judges every entry by its own lease: a short-lease reader never cuts a long lease (issue 11, item 1)', () => {
    const long = live('other', 'o1', 'exclusive', 9_000, 10_000); // a tab on a 10 s lease, renewed 1 s ago
    for (const intent of ['acquire', 'wait', 'release'] as const) {
      const d = row([long], [], intent, 'exclusive');
      expect(d.verdict).not.toBe('take');
      expect(d.record.holders).toContainEqual(long);
    }
    expect(row([long], [], 'acquire', 'exclusive').write).toBeNull(); // a refusal writes nothing back
    // Once the long lease really is past, it is taken as any other.
    expect(decide(record([long], [], 'other'), { ...input('acquire', 'exclusive'), now: NOW + 9_000 }).verdict).toBe('take');
  });

  it('gives a request promoted by a release a lease of its own length, not the releaser\'s', () => {
    const d = row([live(ME, TOKEN, 'exclusive')], [live('b', 'b1', 'exclusive', 700, 10_000)], 'release', 'exclusive', ME);
    expect(d.promoted).toEqual([expect.objectContaining({ token: 'b1', expires: NOW + 10_000, lease: 10_000 })]);
  });

  it('says when to try again: the earliest expiry in the way', () => {
    expect(row([live('other', 'o1', 'exclusive', 300)], [], 'wait', 'exclusive').retryAt).toBe(NOW + 300);
    expect(row([live('other', 'o1', 'shared', 900)], [live('x', 'q', 'exclusive', 200)], 'wait', 'shared').retryAt).toBe(NOW + 200);
  });

  it('writes nothing when a refusal changes nothing', () => {
    expect(row(HOLDERS['other exclusive']!, [], 'acquire', 'exclusive').write).toBeNull();
    expect(row(HOLDERS['other exclusive expired']!, [], 'release', 'exclusive').write).not.toBeNull(); // prunes
  });
});

describe('decide: stored values that are not a valid record', () => {
  const ask = (stored: unknown) => decide(stored, input('acquire', 'exclusive'));

  it.each([
    ['a string', 'hello'],
    ['null', null],
    ['an array', []],
    ['no version', { generation: 5, lastOwner: null, used: 0, holders: [], queue: [] }],
    ['holders not a list', { v: 2, generation: 5, lastOwner: null, used: 0, holders: {}, queue: [] }],
    ['an entry missing its token', { v: 2, generation: 5, lastOwner: null, used: 0, holders: [{ owner: 'x', mode: 'exclusive', expires: NOW + 500, lease: LEASE }], queue: [] }],
    ['an entry missing its lease', { v: 2, generation: 5, lastOwner: null, used: 0, holders: [{ owner: 'x', token: 'y', mode: 'exclusive', expires: NOW + 500 }], queue: [] }],
    ['an entry claiming a lease over an hour', { v: 2, generation: 5, lastOwner: null, used: 0, holders: [{ ...live('x', 'y', 'exclusive'), lease: 3_600_001 }], queue: [] }],
    ['a NaN expiry', { v: 2, generation: 5, lastOwner: null, used: 0, holders: [live('x', 'y', 'exclusive')].map((e) => ({ ...e, expires: NaN })), queue: [] }],
    ['a negative generation', { v: 2, generation: -1, lastOwner: null, used: 0, holders: [], queue: [] }],
    ['two exclusive holders', record([live('a', '1', 'exclusive'), live('b', '2', 'exclusive')], [], null)],
  ])('%s: a broken record of a known version is repaired (reported), generation restarted above any earlier one', (_, stored) => {
    const d = ask(stored);
    expect(d.corrupt).toBe(true);
    expect(d.verdict).toBe('take');
    expect(d.record.generation).toBeGreaterThanOrEqual(NOW);
  });

  it('a repaired record starts above the broken one\'s generation and the store\'s high-water mark', () => {
    const broken = record([live('a', '1', 'exclusive'), live('b', '2', 'exclusive')], [], null);
    expect(decide({ ...broken, generation: NOW * 3 }, input('acquire', 'exclusive')).record.generation).toBe(NOW * 3 + 2);
    expect(decide('junk', { ...input('acquire', 'exclusive'), floor: NOW * 5 }).record.generation).toBe(NOW * 5 + 2);
    expect(decide(undefined, { ...input('acquire', 'exclusive'), floor: NOW * 5 }).record.generation).toBe(NOW * 5 + 2);
  });

  it.each([3, 7, 1000])('a record of a newer version (v%s) is never repaired or taken: StorageError("version") (issue 11, item 2)', (v) => {
    for (const intent of ['acquire', 'wait', 'renew', 'release'] as const) {
      expect(() => decide({ v, anything: 'a newer crosslock may write' }, input(intent, 'exclusive'))).toThrow(
        expect.objectContaining({ name: 'StorageError', kind: 'version' }),
      );
    }
  });

  it('a v1 record (crosslock 0.1) is upgraded, its live holder kept, not repaired', () => {
    const v1 = { v: 1, generation: 42, lastOwner: 'other', holders: [{ owner: 'other', token: 'o1', mode: 'exclusive', expires: NOW + 700 }], queue: [] };
    const d = ask(v1);
    expect(d).toMatchObject({ verdict: 'refuse', corrupt: false });
    expect(d.record).toMatchObject({ v: 2, generation: 42, holders: [{ token: 'o1', expires: NOW + 700, lease: 700 }] });
    expect(d.write).not.toBeNull(); // upgraded in place
  });

  it('a missing record is a fresh one, not a corrupt one', () => {
    const d = ask(undefined);
    expect(d).toMatchObject({ verdict: 'take', corrupt: false, generationUp: true });
    expect(d.record.generation).toBe(freshRecord(NOW).generation + 1);
  });

  it('an expiry absurdly far ahead is clamped to one lease and persisted, so it lapses', () => {
    const stored = record(HOLDERS['other exclusive far future']!, [], 'other');
    const first = decide(stored, input('acquire', 'exclusive'));
    expect(first.verdict).toBe('refuse');
    expect(first.write?.holders[0]?.expires).toBe(NOW + LEASE); // its own lease (here the same as the asker's)
    const later = decide(first.write, { ...input('acquire', 'exclusive'), now: NOW + LEASE });
    expect(later.verdict).toBe('take');
  });
});

describe('after a loss of records (quietUntil): nothing is granted until every lease from before can have ended', () => {
  const quiet = (intent: Intent, mode: LockMode = 'exclusive', at = NOW): DecideInput => ({ ...input(intent, mode), now: at, quietUntil: NOW + 5000 });
  const record = (holders: Entry[], queue: Entry[] = []): LeaseRecord => ({ ...freshRecord(NOW - 10_000), holders, queue });

  it.each([
    ['no record: tryLock is refused, retry at the window end', undefined, 'acquire', 'refuse'],
    ['no record: a waiter takes a place', undefined, 'wait', 'refuse'],
    ['a free record made in the window: refused', record([]), 'acquire', 'refuse'],
    ['a waiter first in the queue: keeps its place', record([], [live(ME, TOKEN, 'exclusive')]), 'wait', 'refuse'],
  ] as const)('%s', (_, stored, intent, verdict) => {
    const d = decide(stored, quiet(intent));
    expect(d.verdict).toBe(verdict);
    expect(d.retryAt).toBe(NOW + 5000);
    expect(d.record.holders).toEqual([]);
    if (intent === 'wait') expect(d.record.queue.map((e) => e.token)).toEqual([TOKEN]);
  });

  it('a shared request is refused too', () => {
    expect(decide(undefined, quiet('wait', 'shared')).verdict).toBe('refuse');
  });

  it('a release promotes nobody inside the window; the queue keeps its order', () => {
    const d = decide(record([live(ME, TOKEN, 'exclusive')], [live('other', 'q1', 'exclusive'), live('third', 'q2', 'shared')]), quiet('release'));
    expect(d.verdict).toBe('released');
    expect(d.promoted).toEqual([]);
    expect(d.record.holders).toEqual([]);
    expect(d.record.queue.map((e) => e.token)).toEqual(['q1', 'q2']);
  });

  it('renewals, a request already holding (a record that survived) and a steal work as always', () => {
    const held = record([live(ME, TOKEN, 'exclusive')]);
    expect(decide(held, quiet('renew')).verdict).toBe('extend');
    expect(decide(held, quiet('wait')).verdict).toBe('take');
    expect(decide(record([live('other', 'o1', 'exclusive')]), quiet('steal')).verdict).toBe('take');
    // A renewal of a lease the store lost finds no entry: its holder is told.
    expect(decide(undefined, quiet('renew')).verdict).toBe('lost');
  });

  it('from the window end on, grants and promotions resume', () => {
    expect(decide(undefined, quiet('acquire', 'exclusive', NOW + 5000)).verdict).toBe('take');
    const d = decide(record([live(ME, TOKEN, 'exclusive', 9000)], [live('other', 'q1', 'exclusive', 9000)]), quiet('release', 'exclusive', NOW + 5000));
    expect(d.promoted.map((e) => e.token)).toEqual(['q1']);
  });
});
