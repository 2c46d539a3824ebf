import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LEADER_PROTOCOL_VERSION as v, isLeaderMessage, type LeaderMessage } from './messages.js';
import { checked, EMPTY_VIEW, observe, type View } from './view.js';

const beat = (clientId: string, term: number, since = 0): LeaderMessage => ({ v, t: 'beat', clientId, term, since });
const gone = (clientId: string, term: number): LeaderMessage => ({ v, t: 'gone', clientId, term });

describe('the leader view', () => {
  it('names the leader of the latest term and when it was last heard of', () => {
    const a = observe(EMPTY_VIEW, beat('a', 5, 100), 10);
    expect(a).toEqual({ leader: { clientId: 'a', term: 5, since: 100 }, beatAt: 10 });
    expect(observe(a, beat('a', 5, 100), 20)).toEqual({ leader: a.leader, beatAt: 20 });
    expect(observe(a, beat('b', 6, 300), 30)).toEqual({ leader: { clientId: 'b', term: 6, since: 300 }, beatAt: 30 });
  });

  it('ignores a late beat of an earlier term: a replaced leader is never named again', () => {
    const b = observe(EMPTY_VIEW, beat('b', 6), 10);
    expect(observe(b, beat('a', 5), 20)).toBe(b);
  });

  it('a gone ends only the leadership it names', () => {
    const b = observe(EMPTY_VIEW, beat('b', 6), 10);
    expect(observe(b, gone('a', 5), 20)).toBe(b);
    expect(observe(b, gone('b', 5), 20)).toBe(b);
    expect(observe(b, gone('b', 6), 20).leader).toBeNull();
    expect(observe(b, { v, t: 'ask' }, 20)).toBe(b);
  });

  it('a free lock means nobody leads; a held one keeps the leader (a frozen leader still holds it)', () => {
    const b = observe(EMPTY_VIEW, beat('b', 6), 10);
    expect(checked(b, true).leader).toBeNull();
    expect(checked(b, false)).toBe(b);
  });

  it('property: in any order, a beat of a lower term or a gone of another leadership changes nothing', () => {
    const message = fc.oneof(
      fc.record({ v: fc.constant(v), t: fc.constant('beat' as const), clientId: fc.constantFrom('a', 'b', 'c'), term: fc.integer({ min: 0, max: 9 }), since: fc.nat() }),
      fc.record({ v: fc.constant(v), t: fc.constant('gone' as const), clientId: fc.constantFrom('a', 'b', 'c'), term: fc.integer({ min: 0, max: 9 }) }),
    );
    fc.assert(
      fc.property(fc.array(message, { maxLength: 30 }), (messages) => {
        let view: View = EMPTY_VIEW;
        for (const [i, m] of messages.entries()) {
          const next = observe(view, m, i);
          const current = view.leader;
          if (current && m.t === 'beat' && m.term < current.term) expect(next).toBe(view);
          if (m.t === 'gone' && !(current?.clientId === m.clientId && current.term === m.term)) expect(next).toBe(view);
          if (m.t === 'beat' && !(current && m.term < current.term)) expect(next.leader).toMatchObject({ clientId: m.clientId, term: m.term });
          view = next;
        }
      }),
    );
  });

  it('accepts only well-formed messages of its protocol version', () => {
    expect(isLeaderMessage(beat('a', 1))).toBe(true);
    expect(isLeaderMessage(gone('a', 1))).toBe(true);
    expect(isLeaderMessage({ v, t: 'ask' })).toBe(true);
    for (const bad of [null, 1, {}, { ...beat('a', 1), v: 2 }, { ...beat('a', 1), term: NaN }, { v, t: 'beat', clientId: 'a', term: 1 }, { v, t: 'gone', term: 1 }, { v, t: 'x' }]) {
      expect(isLeaderMessage(bad)).toBe(false);
    }
  });
});
