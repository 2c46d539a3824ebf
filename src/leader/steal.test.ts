import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MAX_STEAL_BACKOFF, mayTakeOver, missedTicks, takeOverIn, type StealInput } from './steal.js';

/** Any follower state; `first` as given. */
const inputs = (first: fc.Arbitrary<boolean>): fc.Arbitrary<StealInput> =>
  fc.record({
    now: fc.integer({ min: 0, max: 1e9 }),
    beatAt: fc.integer({ min: -1e9, max: 1e9 }),
    healthySince: fc.integer({ min: -1e9, max: 1e9 }),
    first,
    stoleAt: fc.oneof(fc.constant(-Infinity), fc.integer({ min: -1e9, max: 1e9 })),
    steals: fc.nat(100),
    staleAfterMs: fc.integer({ min: 1, max: 1e6 }),
  });

const base: StealInput = { now: 100_000, beatAt: 89_000, healthySince: 0, first: true, stoleAt: -Infinity, steals: 0, staleAfterMs: 10_000 };

describe('mayTakeOver', () => {
  it.each<[string, Partial<StealInput>, boolean]>([
    ['a stale leader, a healthy first follower that never stole', {}, true],
    ['the leader beat within staleAfterMs', { beatAt: 90_001 }, false],
    ['exactly staleAfterMs without a beat', { beatAt: 90_000 }, true],
    ['not first in the queue', { first: false }, false],
    ['the follower itself just came back (frozen or blocked)', { healthySince: 95_000 }, false],
    ['stole staleAfterMs ago, once', { stoleAt: 90_000, steals: 1 }, false],
    ['stole 2 × staleAfterMs ago, once', { stoleAt: 80_000, steals: 1 }, true],
    ['stole 3 times in a row: waits 8 × staleAfterMs', { stoleAt: 30_000, steals: 3 }, false],
    ['backoff is capped', { stoleAt: 100_000 - 10_000 * 2 ** MAX_STEAL_BACKOFF, steals: 50 }, true],
  ])('%s', (_, over, expected) => {
    expect(mayTakeOver({ ...base, ...over })).toBe(expected);
  });

  it('property: never while the leader beat within staleAfterMs, never when not first, never from an unhealthy follower', () => {
    fc.assert(
      fc.property(
        inputs(fc.boolean()),
        (i) => {
          if (!mayTakeOver(i)) return;
          expect(i.first).toBe(true);
          expect(i.now - i.beatAt).toBeGreaterThanOrEqual(i.staleAfterMs);
          expect(i.now - i.healthySince).toBeGreaterThanOrEqual(i.staleAfterMs);
          expect(i.now - i.stoleAt).toBeGreaterThanOrEqual(i.staleAfterMs);
        },
      ),
    );
  });

  it('takeOverIn: the wait until the last condition holds; Infinity when not first', () => {
    expect(takeOverIn(base)).toBe(0);
    expect(takeOverIn({ ...base, beatAt: 99_000 })).toBe(9_000);
    expect(takeOverIn({ ...base, healthySince: 95_000 })).toBe(5_000);
    expect(takeOverIn({ ...base, stoleAt: 90_000, steals: 1 })).toBe(10_000);
    expect(takeOverIn({ ...base, first: false })).toBe(Infinity);
  });

  it('property: takeOverIn is exact: allowed at now + wait (nothing else changing), not a ms before', () => {
    fc.assert(
      fc.property(
        inputs(fc.constant(true)),
        (i) => {
          const wait = takeOverIn(i);
          expect(mayTakeOver({ ...i, now: i.now + wait })).toBe(true);
          if (wait > 0) expect(mayTakeOver({ ...i, now: i.now + wait - 1 })).toBe(false);
        },
      ),
    );
  });

  it('a gap of more than two ticks means the follower was not running', () => {
    expect(missedTicks(2000, 1000)).toBe(false);
    expect(missedTicks(2001, 1000)).toBe(true);
  });
});
