import { describe, expect, it } from 'vitest';
import { decide, type Decision, type DecideInput } from './decide.js';
import { releasedAll } from './env.js';

const now = 1_800_000_000_000;
const ask = (stored: unknown, owner: string, token: string, intent: DecideInput['intent']): Decision =>
  decide(stored, { now, lease: 1500, owner, token, mode: 'exclusive', intent });

describe('releasedAll: the announcement of the releases of one update', () => {
  it('names each request a release promoted, but not one the same update released again', () => {
    let record: unknown;
    record = ask(record, 'a', 'held', 'acquire').record;
    record = ask(record, 'a', 'mine', 'wait').record; // a's own waiter, about to give up
    record = ask(record, 'b', 'theirs', 'wait').record;
    // One update: the holder lets go (promoting 'mine'), then 'mine' gives up (promoting 'theirs').
    const first = ask(record, 'a', 'held', 'release');
    const second = ask(first.record, 'a', 'mine', 'release');
    expect(first.promoted.map((e) => e.token)).toEqual(['mine']);
    const message = releasedAll('x', [first, second]);
    expect(message).toMatchObject({ t: 'released', name: 'x', generation: second.record.generation, queued: false });
    expect(message.t === 'released' && message.granted.map((g) => g.token)).toEqual(['theirs']);
  });

  it('is one release\'s announcement for one decision', () => {
    let record: unknown = ask(undefined, 'a', 'held', 'acquire').record;
    record = ask(record, 'b', 'next', 'wait').record;
    record = ask(record, 'c', 'last', 'wait').record;
    const released = ask(record, 'a', 'held', 'release');
    const message = releasedAll('x', [released]);
    expect(message).toMatchObject({ granted: [{ token: 'next', lease: 1500, expires: now + 1500 }], queued: true, generation: released.record.generation });
  });
});
