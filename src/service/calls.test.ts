import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CallTable } from './calls.js';

describe('CallTable', () => {
  it('walks a call through queued → sent → accepted → ended', () => {
    const t = new CallTable<string>();
    t.add('a', 'A', false);
    expect(t.hasQueued()).toBe(true);
    expect(t.send(3).map((c) => c.id)).toEqual(['a']);
    expect(t.send(3)).toEqual([]); // never twice
    expect(t.accepted('a', 2)).toBe(false); // another epoch's news
    expect(t.accepted('a', 3)).toBe(true);
    expect(t.refused('a', 3)).toBe('ignored'); // accepted calls are not refused after the fact
    expect(t.end('a')?.state).toBe('accepted');
    expect(t.end('a')).toBeUndefined();
  });

  it.each<[string, boolean, 'queued' | 'ended']>([
    ['a refused call goes back to the queue', false, 'queued'],
    ['a refused call that transferred objects ends (they went to the refusing host)', true, 'ended'],
  ])('%s', (_, transfers, expected) => {
    const t = new CallTable<string>();
    t.add('a', 'A', transfers);
    t.send(1);
    expect(t.refused('a', 1)).toBe(expected);
    expect(t.get('a')?.state).toBe(expected === 'queued' ? 'queued' : undefined);
  });

  it('a gone host ends what it had (sent or accepted), in any epoch only its own; queued calls stay', () => {
    const t = new CallTable<string>();
    t.add('sent', '', false);
    t.add('accepted', '', false);
    t.send(1);
    t.accepted('accepted', 1);
    t.add('queued', '', false);
    expect(t.gone(2)).toEqual([]);
    expect(t.gone(1).map((c) => [c.id, c.state])).toEqual([
      ['sent', 'sent'],
      ['accepted', 'accepted'],
    ]);
    expect(t.get('queued')?.state).toBe('queued');
    expect(t.send(2).map((c) => c.id)).toEqual(['queued']);
  });

  /** Any sequence of what a client hears, for calls 0..4 and epochs 1..3 (few, so that they meet). */
  const event = fc.oneof(
    fc.record({ t: fc.constant('add' as const), id: fc.nat(4), transfers: fc.boolean() }),
    fc.record({ t: fc.constant('send' as const), epoch: fc.integer({ min: 1, max: 3 }) }),
    fc.record({ t: fc.constant('accepted' as const), id: fc.nat(4), epoch: fc.integer({ min: 1, max: 3 }) }),
    fc.record({ t: fc.constant('refused' as const), id: fc.nat(4), epoch: fc.integer({ min: 1, max: 3 }) }),
    fc.record({ t: fc.constant('gone' as const), epoch: fc.integer({ min: 1, max: 3 }) }),
    fc.record({ t: fc.constant('end' as const), id: fc.nat(4) }),
  );

  it('at most once: a call is sent again only after a host said it did not run it, and every call ends once', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 60, size: 'max' }), (events) => {
        const t = new CallTable<null>();
        let made = 0;
        const live = new Map<string, { runs: number; sends: number; refusals: number }>(); // by unique call
        const current = new Map<number, string>(); // id slot → unique call name
        let ended = 0;
        for (const e of events) {
          if (e.t === 'add') {
            if (t.get(String(e.id))) continue; // ids are unique while a call lives (comlink's are random)
            const name = `c${made++}`;
            current.set(e.id, name);
            live.set(name, { runs: 0, sends: 0, refusals: 0 });
            t.add(String(e.id), null, e.transfers);
          } else if (e.t === 'send') {
            for (const c of t.send(e.epoch)) live.get(current.get(Number(c.id))!)!.sends++;
          } else if (e.t === 'accepted') {
            if (t.accepted(String(e.id), e.epoch)) live.get(current.get(e.id)!)!.runs++;
          } else if (e.t === 'refused') {
            const r = t.refused(String(e.id), e.epoch);
            if (r !== 'ignored') live.get(current.get(e.id)!)!.refusals++;
            if (r === 'ended') ended++;
          } else if (e.t === 'gone') ended += t.gone(e.epoch).length;
          else if (t.end(String(e.id))) ended++;
        }
        for (const call of live.values()) {
          expect(call.runs).toBeLessThanOrEqual(1); // accepted (run) by at most one host
          expect(call.sends).toBeLessThanOrEqual(call.refusals + 1); // re-sent only after a refusal
        }
        expect(ended + t.size).toBe(made); // every call is live or ended, once
      }),
      { numRuns: 500 },
    );
  });
});
