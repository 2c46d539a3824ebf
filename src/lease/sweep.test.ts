import { describe, expect, it } from 'vitest';
import { SWEEP_EVERY_MS, SweepPass, sweepable, TwoLooks } from './sweep.js';

const record = (over: object = {}) => ({ v: 2, generation: 42, lastOwner: 'a', used: 0, holders: [], queue: [], ...over });
const entry = { owner: 'a', token: 't', mode: 'exclusive', expires: 10_000_000, lease: 5000 };

describe('sweepable', () => {
  it.each([
    ['free and idle', record(), 42],
    ['used recently', record({ used: 999_000 }), undefined],
    ['held', record({ holders: [entry] }), undefined],
    ['waited for', record({ queue: [entry] }), undefined],
    ['of a newer version', record({ v: 99 }), undefined],
  ])('%s', (_, stored, expected) => {
    expect(sweepable(stored, 1_000_000, 300_000)).toBe(expected);
  });

  // A holder renewing every 60 s (lease 120 s) and a sweeper whose clock runs 30 s ahead of it: at the
  // holder's true time T its entry may have as little as a few seconds left (a late tick), which the
  // sweeper, at T + 30 s, reads as expired. The margin (an entry's own lease) keeps its record.
  const TRUE_NOW = 10_000_000;
  const AHEAD = TRUE_NOW + 30_000;
  const slow = (left: number, over: object = {}) => ({ owner: 'a', token: 't', mode: 'exclusive', expires: TRUE_NOW + left, lease: 120_000, ...over });
  it.each([
    ['held, 5 s left by the holder’s clock, read 30 s ahead', record({ holders: [slow(5_000)] }), undefined],
    ['a place in the queue, 1 s left, read 30 s ahead', record({ queue: [slow(1_000)] }), undefined],
    ['expired 100 s ago by the sweeper’s clock, less than its own lease', record({ holders: [slow(-70_000)] }), undefined],
    ['expired by a whole lease of its own', record({ holders: [slow(-90_000)] }), 42],
    ['a short lease expired by more than it', record({ holders: [slow(-25_000, { lease: 5_000 })] }), 42],
    ['a v1 entry (no lease): kept for the longest lease', { v: 1, generation: 42, lastOwner: 'a', holders: [{ owner: 'a', token: 't', mode: 'exclusive', expires: TRUE_NOW - 60_000 }], queue: [] }, undefined],
  ])('%s', (_, stored, expected) => {
    expect(sweepable(stored, AHEAD, 300_000)).toBe(expected);
  });
});

describe('SweepPass', () => {
  function driver() {
    const calls: Array<string | undefined> = [];
    let finish!: (next: string | undefined) => void;
    let fail!: () => void;
    const batch = (from: string | undefined) => {
      calls.push(from);
      return new Promise<{ next: string | undefined }>((resolve, reject) => {
        finish = (next) => resolve({ next });
        fail = () => reject(new Error('x'));
      });
    };
    return { calls, batch, finish: (next?: string) => finish(next), fail: () => fail() };
  }
  const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

  it('waits SWEEP_EVERY_MS after the first step, runs one batch at a time, goes on where it stopped, then waits again', async () => {
    const pass = new SweepPass();
    const d = driver();
    pass.step(1000, d.batch);
    pass.step(1000 + SWEEP_EVERY_MS - 1, d.batch);
    expect(d.calls).toEqual([]);
    pass.step(1000 + SWEEP_EVERY_MS, d.batch);
    pass.step(1000 + SWEEP_EVERY_MS, d.batch); // one at a time
    expect(d.calls).toEqual([undefined]);
    d.finish('k200');
    await flush();
    pass.step(1000 + SWEEP_EVERY_MS + 1, d.batch); // a full batch: goes on at once
    expect(d.calls).toEqual([undefined, 'k200']);
    d.finish(undefined);
    await flush();
    pass.step(1000 + SWEEP_EVERY_MS + 2, d.batch); // the pass ended: the next is SWEEP_EVERY_MS later
    expect(d.calls).toHaveLength(2);
    pass.step(1001 + 2 * SWEEP_EVERY_MS + 1, d.batch);
    expect(d.calls).toEqual([undefined, 'k200', undefined]);
  });

  it('a failed batch ends the pass: the next starts over from the beginning, later', async () => {
    const pass = new SweepPass();
    const d = driver();
    pass.step(0, d.batch);
    pass.step(SWEEP_EVERY_MS, d.batch);
    d.finish('k200');
    await flush();
    pass.step(SWEEP_EVERY_MS + 1, d.batch);
    d.fail();
    await flush();
    pass.step(SWEEP_EVERY_MS + 2, d.batch);
    expect(d.calls).toEqual([undefined, 'k200']);
    pass.step(2 * SWEEP_EVERY_MS + 1, d.batch);
    expect(d.calls).toEqual([undefined, 'k200', undefined]);
  });
});

describe('TwoLooks', () => {
  it('deletes only on a second look at an unchanged idle record', () => {
    const looks = new TwoLooks();
    const idle = { v: 2, generation: 5, used: 0, holders: [], queue: [] };
    expect(looks.decide('a', idle, 5)).toBeUndefined(); // first look
    expect(looks.decide('a', { ...idle }, 5)).toBe(5); // unchanged: delete
    expect(looks.decide('b', idle, 5)).toBeUndefined();
    expect(looks.decide('b', { ...idle, used: 1 }, 5)).toBeUndefined(); // rewritten meanwhile (a grant, a renewal): look again
    expect(looks.decide('b', { ...idle, used: 1 }, 5)).toBe(5);
    expect(looks.decide('c', idle, 5)).toBeUndefined();
    expect(looks.decide('c', idle, undefined)).toBeUndefined(); // busy or not idle now: forgotten
    expect(looks.decide('c', idle, 5)).toBeUndefined(); // so this is a first look again
  });
});
