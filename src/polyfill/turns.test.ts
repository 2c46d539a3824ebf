/** The polyfill's callback order (turns.ts): request order among the requests answered, a barrier for the rest. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Turns } from './turns.js';

/** Turns whose barriers the test ends by hand; `ran` lists the requests in the order they were let run. */
function turns() {
  const barriers: Array<{ end: () => Promise<void>; fail: () => Promise<void> }> = [];
  const t = new Turns(() => {
    let resolve!: () => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
    // Awaiting the barrier's own promise after Turns did: Turns' reaction has run when this resolves.
    barriers.push({ end: () => (resolve(), promise), fail: () => (reject(new Error('storage')), promise.catch(() => {})) });
    return promise;
  });
  const ran: number[] = [];
  return { t, barriers, ran, ready: (turn: number) => t.ready(turn, () => ran.push(turn)) };
}

describe('polyfill turns', () => {
  it('answers in request order run at once, and need no barrier', () => {
    const { t, barriers, ran, ready } = turns();
    const [a, b, c] = [t.place(), t.place(), t.place()];
    ready(a!);
    ready(b!);
    ready(c!);
    expect(ran).toEqual([a, b, c]);
    expect(barriers).toHaveLength(0);
  });

  it('a later answer waits for an earlier request answered before the barrier ends (s1, s2, s3, b)', async () => {
    const { t, barriers, ran, ready } = turns();
    const [s1, s2, s3, x, b] = [t.place(), t.place(), t.place(), t.place(), t.place()];
    ready(s1!);
    ready(s2!);
    ready(b!);
    expect(ran).toEqual([s1, s2]);
    expect(barriers).toHaveLength(1);
    ready(s3!);
    expect(ran).toEqual([s1, s2, s3]);
    await barriers[0]!.end();
    expect(ran).toEqual([s1, s2, s3, b]); // x, still unanswered after the barrier, waits without holding b up
    ready(x!);
    expect(ran).toEqual([s1, s2, s3, b, x]);
    expect(barriers).toHaveLength(1);
  });

  it('a request cleared by a barrier holds up no later answer again; a new unanswered one takes a new barrier', async () => {
    const { t, barriers, ran, ready } = turns();
    const [w, k1] = [t.place(), t.place()];
    ready(k1!);
    await barriers[0]!.end();
    const [k2, v, k3] = [t.place(), t.place(), t.place()];
    ready(k2!);
    expect(ran).toEqual([k1, k2]);
    ready(k3!);
    expect(ran).toEqual([k1, k2]);
    expect(barriers).toHaveLength(2);
    await barriers[1]!.end();
    expect(ran).toEqual([k1, k2, k3]);
    ready(v!);
    ready(w!);
    expect(ran).toEqual([k1, k2, k3, v, w]);
  });

  it('a dropped request holds no one up; a failed barrier counts as ended', async () => {
    const { t, barriers, ran, ready } = turns();
    const [a, b, c, d] = [t.place(), t.place(), t.place(), t.place()];
    ready(b!);
    expect(ran).toEqual([]);
    t.drop(a!);
    expect(ran).toEqual([b]);
    ready(d!);
    await barriers[1]!.fail();
    expect(ran).toEqual([b, d]);
    ready(c!);
    expect(ran).toEqual([b, d, c]);
  });

  it('property: each answered request runs once, after every earlier one ran, was dropped or was cleared by a barrier; at most one barrier per answer', async () => {
    type Step = { kind: 'place' } | { kind: 'answer' | 'drop'; pick: number } | { kind: 'end' | 'fail'; pick: number };
    const step: fc.Arbitrary<Step> = fc.oneof(
      { arbitrary: fc.constant({ kind: 'place' as const }), weight: 2 },
      { arbitrary: fc.record({ kind: fc.constant('answer' as const), pick: fc.nat() }), weight: 3 },
      { arbitrary: fc.record({ kind: fc.constantFrom('drop' as const, 'end' as const, 'fail' as const), pick: fc.nat() }), weight: 1 },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 40 }), async (steps) => {
        const { t, barriers, ran } = turns();
        const placed: number[] = [];
        const answered = new Set<number>();
        const dropped = new Set<number>();
        /** Per barrier: the latest answered request not yet run when it started (all before it are cleared when it ends). */
        const barrierFor: number[] = [];
        const cleared = new Set<number>();
        const ended = new Set<number>();
        const unsettled = (): number[] => placed.filter((p) => !answered.has(p) && !dropped.has(p));
        const check = (): void => {
          // A barrier starts only for an answer held up, and the answer it started for is the latest waiting one.
          while (barrierFor.length < barriers.length) barrierFor.push(Math.max(...[...answered].filter((a) => !ran.includes(a))));
          for (const [i, turn] of ran.entries()) {
            expect(answered.has(turn)).toBe(true);
            for (const earlier of placed.filter((p) => p < turn)) {
              const ranFirst = ran.indexOf(earlier);
              expect((ranFirst >= 0 && ranFirst < i) || dropped.has(earlier) || cleared.has(earlier), `${turn} ran before ${earlier}`).toBe(true);
            }
          }
          expect(new Set(ran).size).toBe(ran.length);
        };
        const endBarrier = async (i: number, fail: boolean): Promise<void> => {
          if (ended.has(i)) return;
          ended.add(i);
          const upTo = barrierFor[i]!;
          // Cleared: placed before the answer it started for and unanswered when it ended.
          for (const p of placed) if (p < upTo && !answered.has(p)) cleared.add(p);
          await (fail ? barriers[i]!.fail() : barriers[i]!.end());
        };
        for (const s of steps) {
          if (s.kind === 'place') placed.push(t.place());
          else if (s.kind === 'answer' || s.kind === 'drop') {
            const open = unsettled();
            if (open.length === 0) continue;
            const turn = open[s.pick % open.length]!;
            if (s.kind === 'answer') (answered.add(turn), t.ready(turn, () => ran.push(turn)));
            else (dropped.add(turn), t.drop(turn));
          } else {
            const live = barriers.map((_, i) => i).filter((i) => !ended.has(i));
            if (live.length > 0) await endBarrier(live[s.pick % live.length]!, s.kind === 'fail');
          }
          check();
        }
        // Everything answered and every barrier ended: every answer has run.
        for (const turn of unsettled()) (answered.add(turn), t.ready(turn, () => ran.push(turn)), check());
        for (let i = 0; i < barriers.length; i++) (await endBarrier(i, false), check());
        expect([...ran].sort((x, y) => x - y)).toEqual([...answered].sort((x, y) => x - y));
        expect(barriers.length).toBeLessThanOrEqual(answered.size);
      }),
      { numRuns: 300 },
    );
  });
});
