import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { anySignal, FIRST_RETRY_MS, MAX_RETRY_MS, pause, retryInMs } from './signals.js';

describe('retryInMs', () => {
  it.each([
    [1, 100],
    [2, 200],
    [3, 400],
    [4, 800],
    [5, 1600],
    [6, 3200],
    [7, 5000],
    [8, 5000],
    [1000, 5000],
  ])('after failure %i in a row: %i ms', (failures, ms) => {
    expect(retryInMs(failures)).toBe(ms);
  });

  it('never waits less than the first step or more than the cap, and never less after more failures', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), (n) => {
        const ms = retryInMs(n);
        return ms >= FIRST_RETRY_MS && ms <= MAX_RETRY_MS && retryInMs(n + 1) >= ms;
      }),
    );
  });
});

describe('anySignal', () => {
  it('aborts with the first source to abort, and then holds no listener of the others', () => {
    const [a, b] = [new AbortController(), new AbortController()];
    const remove = vi.spyOn(b.signal, 'removeEventListener');
    const { signal } = anySignal([a.signal, undefined, b.signal]);
    a.abort('first');
    b.abort('second');
    expect([signal.aborted, signal.reason]).toEqual([true, 'first']);
    expect(remove).toHaveBeenCalledTimes(1);
  });

  it('a source already aborted: aborted at once; one source: that signal itself; dispose() removes every listener', () => {
    const done = new AbortController();
    done.abort('gone');
    expect(anySignal([new AbortController().signal, done.signal]).signal.reason).toBe('gone');
    const one = new AbortController().signal;
    expect(anySignal([one]).signal).toBe(one);
    const c = new AbortController();
    const remove = vi.spyOn(c.signal, 'removeEventListener');
    const any = anySignal([c.signal, new AbortController().signal]);
    any.dispose();
    c.abort();
    expect(any.signal.aborted).toBe(false);
    expect(remove).toHaveBeenCalledTimes(1);
  });
});

describe('pause', () => {
  it('resolves after its time, or at once when the signal aborts, and leaves no timer', async () => {
    vi.useFakeTimers();
    try {
      const c = new AbortController();
      let done = false;
      void pause(1000, c.signal).then(() => (done = true));
      await vi.advanceTimersByTimeAsync(999);
      expect(done).toBe(false);
      c.abort();
      await Promise.resolve();
      expect(done).toBe(true);
      expect(vi.getTimerCount()).toBe(0);
      await pause(5, c.signal); // already aborted: at once
    } finally {
      vi.useRealTimers();
    }
  });
});
