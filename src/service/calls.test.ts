import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CallTable } from './calls.js';

describe('CallTable', () => {
  it('walks a call through queued → sent → accepted → ended', () => {
    const t = new CallTable<string>();
    t.add('a', 'A', false);
    expect(t.hasQueued()).toBe(true);
    expect(t.send('h1', 3).map((c) => [c.id, c.host, c.epoch])).toEqual([['a', 'h1', 3]]);
    expect(t.send('h1', 3)).toEqual([]); // never twice
    expect(t.accepted('a', 'h0')).toBe(false); // another host's news
    expect(t.accepted('a', 'h1')).toBe(true);
    expect(t.refused('a', 'h1')).toBe('ignored'); // accepted calls are not refused after the fact
    expect(t.end('a')?.state).toBe('accepted');
    expect(t.end('a')).toBeUndefined();
  });

  it.each<[string, boolean, 'queued' | 'ended']>([
    ['a refused call goes back to the queue', false, 'queued'],
    ['a refused call that transferred objects ends (they went to the refusing host)', true, 'ended'],
  ])('%s', (_, transfers, expected) => {
    const t = new CallTable<string>();
    t.add('a', 'A', transfers);
    t.send('h1', 1);
    expect(t.refused('a', 'h1')).toBe(expected);
    expect(t.get('a')?.state).toBe(expected === 'queued' ? 'queued' : undefined);
  });

  it.each<[string, string | false, string[], string[]]>([
    // [case, clean (by which route), ended, queued after]
    ['a host gone without a word ends what it had, sent or accepted', false, ['sent', 'accepted', 'moved', 'other route'], ['queued']],
    ['a host that stopped cleanly ends what it accepted; what it never acked by that route goes back to the queue', 'port', ['accepted', 'moved', 'other route'], ['sent', 'queued']],
  ])('%s', (_, clean, ended, queued) => {
    const t = new CallTable<string>();
    t.add('sent', '', false);
    t.add('accepted', '', false);
    t.add('moved', '', true);
    t.send('h1', 1, 'port');
    t.accepted('accepted', 'h1');
    t.add('other route', '', false);
    t.send('h1', 1, 'channel'); // its ack may still be on its way by the channel, after a 'down' by the port
    t.add('queued', '', false);
    expect(t.gone('h2', clean)).toEqual([]); // only its own
    expect(t.gone('h1', clean).map((c) => c.id)).toEqual(ended);
    expect(t.send('h2', 2).map((c) => c.id)).toEqual(queued);
  });

  /** Any sequence of what a client hears, for calls 0..4 and hosts 1..3 (few, so that they meet). */
  const host = fc.integer({ min: 1, max: 3 }).map((n) => `h${n}`);
  const event = fc.oneof(
    fc.record({ t: fc.constant('add' as const), id: fc.nat(4), transfers: fc.boolean() }),
    fc.record({ t: fc.constant('send' as const), host, route: fc.constantFrom('port', 'channel') }),
    fc.record({ t: fc.constant('accepted' as const), id: fc.nat(4), host }),
    fc.record({ t: fc.constant('refused' as const), id: fc.nat(4), host }),
    fc.record({ t: fc.constant('gone' as const), host, clean: fc.constantFrom('port' as const, 'channel' as const, false as const) }),
    fc.record({ t: fc.constant('end' as const), id: fc.nat(4) }),
  );

  it('at most once: a call is sent again only when the host it went to cannot have run it, and every call ends once', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 60, size: 'max' }), (events) => {
        const t = new CallTable<null>();
        let made = 0;
        // Per unique call: how many hosts ran it (acked), how often it was sent, and how often a host that
        // had it without acking it refused it or stopped cleanly (so it cannot have run it).
        const live = new Map<string, { runs: number; sends: number; cleared: number }>();
        const current = new Map<number, string>();
        let ended = 0;
        const stat = (id: number | string) => live.get(current.get(Number(id))!)!;
        for (const e of events) {
          if (e.t === 'add') {
            if (t.get(String(e.id))) continue; // ids are unique while a call lives (comlink's are random)
            current.set(e.id, `c${made++}`);
            live.set(current.get(e.id)!, { runs: 0, sends: 0, cleared: 0 });
            t.add(String(e.id), null, e.transfers);
          } else if (e.t === 'send') {
            for (const c of t.send(e.host, 1, e.route)) stat(c.id).sends++;
          } else if (e.t === 'accepted') {
            if (t.accepted(String(e.id), e.host)) stat(e.id).runs++;
          } else if (e.t === 'refused') {
            const r = t.refused(String(e.id), e.host);
            if (r !== 'ignored') stat(e.id).cleared++;
            if (r === 'ended') ended++;
          } else if (e.t === 'gone') {
            // A clean stop by a route clears (cannot have run) only the unacked calls sent by that route.
            const cleared = [...current].filter(([slot]) => {
              const c = t.get(String(slot));
              return e.clean !== false && c?.host === e.host && c.state === 'sent' && c.route === e.clean;
            });
            const out = t.gone(e.host, e.clean);
            ended += out.length;
            for (const [slot, name] of cleared) if (t.get(String(slot))?.state === 'queued') live.get(name)!.cleared++;
          } else if (t.end(String(e.id))) ended++;
        }
        for (const call of live.values()) {
          expect(call.runs).toBeLessThanOrEqual(1); // accepted (run) by at most one host
          expect(call.sends).toBeLessThanOrEqual(call.cleared + 1); // re-sent only when its host cannot have run it
        }
        expect(ended + t.size).toBe(made); // every call is live or ended, once
      }),
      { numRuns: 500 },
    );
  });
});
