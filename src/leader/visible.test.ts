import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shouldHandOff, type HandOffInput } from './visible.js';

const base: HandOffInput = { hidden: true, visible: new Map([['v', 9_500]]), now: 10_000, freshMs: 2_500 };

describe('shouldHandOff', () => {
  it.each<[string, Partial<HandOffInput>, boolean]>([
    ['a hidden leader, a visible follower heard lately', {}, true],
    ['the leader is visible', { hidden: false }, false],
    ['the visible follower went quiet (closed, leads, or stopped waiting)', { visible: new Map([['v', 7_499]]) }, false],
    ['heard exactly freshMs ago', { visible: new Map([['v', 7_500]]) }, true],
    ['nobody visible', { visible: new Map() }, false],
    ['one fresh among stale ones', { visible: new Map([['x', 0], ['v', 9_999]]) }, true],
  ])('%s', (_, over, expected) => {
    expect(shouldHandOff({ ...base, ...over })).toBe(expected);
  });

  it('property: only a hidden leader, only for a follower heard within freshMs', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(fc.tuple(fc.string(), fc.integer({ min: 0, max: 20_000 }))), fc.integer({ min: 0, max: 5000 }), (hidden, heard, freshMs) => {
        const visible = new Map<string, number>(heard);
        if (!shouldHandOff({ hidden, visible, now: 20_000, freshMs })) return;
        expect(hidden).toBe(true);
        expect([...visible.values()].some((t) => 20_000 - t <= freshMs)).toBe(true);
      }),
    );
  });
});
