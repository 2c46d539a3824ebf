/**
 * Spec cases of the Web Locks API (https://w3c.github.io/web-locks/), written from the spec's text with
 * the web-platform-tests `web-locks/` directory as the reference for what each behaviour means. Written
 * once against the API's own shape and run on every subject: the browser's `navigator.locks` (each case
 * passing there proves the case) and `crosslock/polyfill`'s `WebLocksPolyfill`.
 *
 * Names are unique per case (the browser's lock space is the whole origin). Every wait is on a promise of
 * the API; no case sleeps.
 */
import { describe, expect, it } from 'vitest';

/** The members of `navigator.locks` the cases use. */
export interface WebLocks {
  request(name: string, callback: (lock: Lock | null) => unknown): Promise<unknown>;
  request(name: string, options: LockOptions, callback: (lock: Lock | null) => unknown): Promise<unknown>;
  query(): Promise<LockManagerSnapshot>;
}

export interface WebLocksSubject {
  readonly name: string;
  /** The lock manager of this page. */
  locks(): WebLocks;
  /**
   * Where the subject departs from the spec and cannot help it, with the reason and its source. The case
   * then asserts the departure as it is (a fix makes it fail, and the entry goes).
   */
  readonly deviations?: {
    /** `query()` reports a name with unpaired surrogates as the empty string. */
    readonly queryEmptiesLoneSurrogates?: string;
  };
}

/** Whether `s` has an unpaired surrogate (String.prototype.isWellFormed, negated). */
const loneSurrogate = (s: string): boolean => /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);

let counter = 0;
const unique = (what: string): string => `spec-${Date.now().toString(36)}-${++counter}-${what}`;

/** A promise and its resolve, for holding a lock until the case says so. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Holds `name` (mode) until the returned release is called; resolves once granted. */
async function hold(locks: WebLocks, name: string, mode: LockMode = 'exclusive'): Promise<{ release: () => void; done: Promise<unknown> }> {
  const granted = deferred();
  const released = deferred();
  const done = locks.request(name, { mode }, () => (granted.resolve(), released.promise));
  await granted.promise;
  return { release: () => released.resolve(), done };
}

/** Resolves once `query()` shows `count` pending requests for `name`. */
async function pending(locks: WebLocks, name: string, count: number): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if ((await locks.query()).pending!.filter((l) => l.name === name).length === count) return;
  }
  throw new Error(`${name} never had ${count} pending requests`);
}

const rejectsWithName = async (promise: Promise<unknown>, name: string): Promise<unknown> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected a rejection with ${name}`).toBeDefined();
  expect((error as Error).name).toBe(name);
  return error;
};

export function webLocksSpec(subject: WebLocksSubject): void {
  describe(`Web Locks spec: ${subject.name}`, () => {
    describe('arguments', () => {
      it('a missing or non-callable callback rejects with TypeError', async () => {
        const locks = subject.locks();
        await rejectsWithName((locks.request as (n: string) => Promise<unknown>)(unique('a')), 'TypeError');
        await rejectsWithName((locks.request as (n: string, o: object) => Promise<unknown>)(unique('a'), {}), 'TypeError');
        await rejectsWithName(locks.request(unique('a'), {}, 'no' as never), 'TypeError');
      });

      it('a Symbol as the name rejects with TypeError (a DOMString cannot be made of it)', async () => {
        await rejectsWithName(subject.locks().request(Symbol('n') as unknown as string, () => {}), 'TypeError');
      });

      it('the options are read once each, in the order WebIDL reads a dictionary (ifAvailable, mode, signal, steal)', async () => {
        const read: string[] = [];
        const options = {};
        for (const [key, value] of [['steal', false], ['mode', 'exclusive'], ['ifAvailable', false], ['signal', undefined]] as const) {
          Object.defineProperty(options, key, { enumerable: true, get: () => (read.push(key), value) });
        }
        await subject.locks().request(unique('d'), options, () => {});
        expect(read).toEqual(['ifAvailable', 'mode', 'signal', 'steal']);
      });

      it('a mode that is not "shared" or "exclusive" rejects with TypeError', async () => {
        await rejectsWithName(subject.locks().request(unique('m'), { mode: 'open' as LockMode }, () => {}), 'TypeError');
      });

      it('a signal that is not an AbortSignal rejects with TypeError', async () => {
        await rejectsWithName(subject.locks().request(unique('s'), { signal: {} as AbortSignal }, () => {}), 'TypeError');
      });

      it('a name starting with "-" rejects with NotSupportedError', async () => {
        const error = await rejectsWithName(subject.locks().request('-reserved', () => {}), 'NotSupportedError');
        expect(error).toBeInstanceOf(DOMException);
      });

      it('steal with ifAvailable, steal with shared, signal with steal, signal with ifAvailable: NotSupportedError', async () => {
        const locks = subject.locks();
        const signal = new AbortController().signal;
        for (const options of [{ steal: true, ifAvailable: true }, { steal: true, mode: 'shared' as const }, { signal, steal: true }, { signal, ifAvailable: true }]) {
          const error = await rejectsWithName(locks.request(unique('o'), options, () => {}), 'NotSupportedError');
          expect(error).toBeInstanceOf(DOMException);
        }
      });

      it('an already aborted signal rejects with its reason, and the callback never runs', async () => {
        const controller = new AbortController();
        const reason = new Error('gave up');
        controller.abort(reason);
        let ran = false;
        await expect(subject.locks().request(unique('ab'), { signal: controller.signal }, () => (ran = true))).rejects.toBe(reason);
        expect(ran).toBe(false);
      });
    });

    describe('names', () => {
      it('any DOMString is a name, returned unchanged: empty, NUL, unpaired surrogates, non-characters, non-ASCII, long', async () => {
        const locks = subject.locks();
        const tag = unique('n');
        const deviation = subject.deviations?.queryEmptiesLoneSurrogates;
        for (const name of ['', `${tag}\u0000x`, `${tag}\uD800`, `${tag}\uDC00z`, `${tag}\uDC00\uD800`, `${tag}\uFFFF`, `${tag} é 鍵 🔒`, `${tag}${'x'.repeat(1000)}`]) {
          const queried = deviation && loneSurrogate(name) ? '' : name;
          const seen = await locks.request(name, async (lock) => {
            const { held } = await locks.query();
            return { lock: lock!.name, held: held!.some((l) => l.name === queried) };
          });
          expect(seen, JSON.stringify(name)).toEqual({ lock: name, held: true });
        }
      });

      it('a name that is not a string is converted to one (String(name))', async () => {
        const name = 10 ** 21 + Math.floor(Math.random() * 1e6);
        const got = await subject.locks().request(name as unknown as string, (lock) => lock!.name);
        expect(got).toBe(String(name));
      });

      it('names are compared exactly: differently normalised or cased names do not contend', async () => {
        const locks = subject.locks();
        const tag = unique('c');
        const a = await hold(locks, `${tag}\u00e9`); // é precomposed
        const granted = await locks.request(`${tag}e\u0301`, { ifAvailable: true }, (lock) => lock !== null); // e + combining accent
        const upper = await locks.request(`${tag}\u00c9`, { ifAvailable: true }, (lock) => lock !== null);
        a.release();
        await a.done;
        expect([granted, upper]).toEqual([true, true]);
      });
    });

    describe('holding', () => {
      it('the callback gets a Lock with name and mode; request() resolves with what it returned', async () => {
        const name = unique('h');
        const result = await subject.locks().request(name, { mode: 'shared' }, (lock) => ({ name: lock!.name, mode: lock!.mode, tag: Object.prototype.toString.call(lock) }));
        expect(result).toEqual({ name, mode: 'shared', tag: '[object Lock]' });
        expect(await subject.locks().request(unique('h'), (lock) => lock!.mode)).toBe('exclusive');
      });

      it('the lock is held until the promise the callback returned settles, then request() settles with it', async () => {
        const locks = subject.locks();
        const name = unique('u');
        const release = deferred<string>();
        const first = locks.request(name, () => release.promise);
        let secondRan = false;
        const second = locks.request(name, () => (secondRan = true));
        await pending(locks, name, 1);
        expect(secondRan).toBe(false);
        release.resolve('done');
        expect(await first).toBe('done');
        await second;
        expect(secondRan).toBe(true);
      });

      it('request() settles only once the lock is released: a request made right after it is granted', async () => {
        const locks = subject.locks();
        const name = unique('r');
        for (const mode of ['exclusive', 'shared'] as const) {
          await locks.request(name, { mode }, async () => 'done');
          expect(await locks.request(name, { ifAvailable: true }, (lock) => lock !== null)).toBe(true);
        }
      });

      it('a callback that throws, or returns a rejected promise: request() rejects with it and the lock is released', async () => {
        const locks = subject.locks();
        const name = unique('t');
        const boom = new Error('boom');
        await expect(locks.request(name, () => { throw boom; })).rejects.toBe(boom);
        await expect(locks.request(name, () => Promise.reject(boom))).rejects.toBe(boom);
        expect(await locks.request(name, { ifAvailable: true }, (lock) => lock !== null)).toBe(true);
      });
    });

    describe('grant order and modes', () => {
      it('exclusive requests are granted in the order they were made (FIFO)', async () => {
        const locks = subject.locks();
        const name = unique('f');
        const first = await hold(locks, name);
        const order: number[] = [];
        const all = [1, 2, 3].map((i) => locks.request(name, () => void order.push(i)));
        await pending(locks, name, 3);
        first.release();
        await Promise.all(all);
        expect(order).toEqual([1, 2, 3]);
      });

      it('shared requests are held together; an exclusive one waits for all of them', async () => {
        const locks = subject.locks();
        const name = unique('sh');
        const a = await hold(locks, name, 'shared');
        const b = await hold(locks, name, 'shared');
        expect((await locks.query()).held!.filter((l) => l.name === name).map((l) => l.mode)).toEqual(['shared', 'shared']);
        let exclusive = false;
        const writer = locks.request(name, () => (exclusive = true));
        await pending(locks, name, 1);
        a.release();
        await a.done;
        expect(exclusive).toBe(false);
        b.release();
        await writer;
        expect(exclusive).toBe(true);
      });

      it('a shared request made after a queued exclusive one waits behind it (writers are not starved)', async () => {
        const locks = subject.locks();
        const name = unique('ws');
        const reader = await hold(locks, name, 'shared');
        const order: string[] = [];
        const writer = locks.request(name, () => void order.push('writer'));
        await pending(locks, name, 1);
        const late = locks.request(name, { mode: 'shared' }, () => void order.push('late reader'));
        await pending(locks, name, 2);
        reader.release();
        await Promise.all([writer, late]);
        expect(order).toEqual(['writer', 'late reader']);
      });

      it('requests grantable at once are granted in request order, across names (a waiting one holds up no later one)', async () => {
        // The spec's lock manager takes requests one at a time, in the order they were made, and
        // "process the lock request queue" grants each that can be; its callback is queued as it is.
        const locks = subject.locks();
        const a = unique('oa');
        const b = unique('ob');
        const order: string[] = [];
        const release = deferred();
        const readers = [1, 2, 3].map((i) => {
          const granted = deferred();
          const done = locks.request(a, { mode: 'shared' }, () => (order.push(`s${i}`), granted.resolve(), release.promise));
          return { granted: granted.promise, done };
        });
        const writer = locks.request(a, () => void order.push('x'));
        const other = locks.request(b, () => void order.push('b'));
        try {
          await Promise.all([...readers.map((r) => r.granted), other]);
          await pending(locks, a, 1);
          expect(order).toEqual(['s1', 's2', 's3', 'b']);
        } finally {
          release.resolve();
        }
        await Promise.all([...readers.map((r) => r.done), writer]);
        expect(order).toEqual(['s1', 's2', 's3', 'b', 'x']);
      });

      it('an ifAvailable request refused at once still gets its null after the earlier requests granted at once', async () => {
        const locks = subject.locks();
        const a = unique('na');
        const b = unique('nb');
        const holder = await hold(locks, b);
        const waiter = locks.request(b, () => {});
        await pending(locks, b, 1);
        const order: string[] = [];
        const release = deferred();
        const readers = [1, 2, 3].map((i) => locks.request(a, { mode: 'shared' }, () => (order.push(`s${i}`), release.promise)));
        const refused = locks.request(b, { ifAvailable: true }, (lock) => void order.push(lock === null ? 'null' : 'b'));
        try {
          await refused;
          expect(order).toEqual(['s1', 's2', 's3', 'null']);
        } finally {
          release.resolve();
          holder.release();
        }
        await Promise.all([...readers, waiter, holder.done]);
      });

      it('request order holds whatever the names: a long name asked for first is granted first', async () => {
        const locks = subject.locks();
        const order: string[] = [];
        const long = unique(`l${'o'.repeat(300)}ng`);
        await Promise.all([locks.request(long, () => void order.push('long')), locks.request(unique('short'), () => void order.push('short'))]);
        expect(order).toEqual(['long', 'short']);
      });
    });

    describe('ifAvailable', () => {
      it('the callback gets null when the lock is held, and request() resolves with what it returned', async () => {
        const locks = subject.locks();
        const name = unique('if');
        const held = await hold(locks, name);
        expect(await locks.request(name, { ifAvailable: true }, (lock) => (lock === null ? 'null' : 'lock'))).toBe('null');
        held.release();
        await held.done;
        expect(await locks.request(name, { ifAvailable: true }, (lock) => lock?.name)).toBe(name);
      });

      it('a shared ifAvailable request is granted beside shared holders, not beside an exclusive one', async () => {
        const locks = subject.locks();
        const name = unique('ifs');
        const reader = await hold(locks, name, 'shared');
        expect(await locks.request(name, { mode: 'shared', ifAvailable: true }, (lock) => lock !== null)).toBe(true);
        reader.release();
        await reader.done;
        const writer = await hold(locks, name);
        expect(await locks.request(name, { mode: 'shared', ifAvailable: true }, (lock) => lock !== null)).toBe(false);
        writer.release();
        await writer.done;
      });

      it('is not granted while other requests wait, even if they could not be granted either', async () => {
        const locks = subject.locks();
        const name = unique('ifq');
        const reader = await hold(locks, name, 'shared');
        const writer = locks.request(name, () => {});
        await pending(locks, name, 1);
        expect(await locks.request(name, { mode: 'shared', ifAvailable: true }, (lock) => lock !== null)).toBe(false);
        reader.release();
        await writer;
      });
    });

    describe('query()', () => {
      it('lists held and pending requests with name, mode and clientId', async () => {
        const locks = subject.locks();
        const name = unique('q');
        const held = await hold(locks, name, 'shared');
        const waiting = locks.request(name, () => {});
        await pending(locks, name, 1);
        const snapshot = await locks.query();
        const mine = (list: LockInfo[] | undefined) => list!.filter((l) => l.name === name);
        expect(mine(snapshot.held)).toEqual([{ name, mode: 'shared', clientId: expect.any(String) }]);
        expect(mine(snapshot.pending)).toEqual([{ name, mode: 'exclusive', clientId: expect.any(String) }]);
        expect(mine(snapshot.held)[0]!.clientId).toBe(mine(snapshot.pending)[0]!.clientId);
        held.release();
        await waiting;
        expect(mine((await locks.query()).held)).toEqual([]);
      });
    });

    describe('signal', () => {
      it('aborted while waiting: request() rejects with the reason and leaves the queue; the next waiter is granted', async () => {
        const locks = subject.locks();
        const name = unique('sw');
        const held = await hold(locks, name);
        const controller = new AbortController();
        let ran = false;
        const aborted = locks.request(name, { signal: controller.signal }, () => (ran = true));
        await pending(locks, name, 1);
        const reason = new Error('changed my mind');
        controller.abort(reason);
        await expect(aborted).rejects.toBe(reason);
        expect((await locks.query()).pending!.filter((l) => l.name === name)).toEqual([]);
        held.release();
        await held.done;
        expect(ran).toBe(false);
        expect(await locks.request(name, { ifAvailable: true }, (lock) => lock !== null)).toBe(true);
      });

      it('aborted without a reason: an AbortError DOMException', async () => {
        const locks = subject.locks();
        const name = unique('sr');
        const held = await hold(locks, name);
        const controller = new AbortController();
        const aborted = locks.request(name, { signal: controller.signal }, () => {});
        await pending(locks, name, 1);
        controller.abort();
        const error = await rejectsWithName(aborted, 'AbortError');
        expect(error).toBeInstanceOf(DOMException);
        held.release();
      });

      it('aborted after the grant: nothing changes, the lock is held until the callback settles', async () => {
        const locks = subject.locks();
        const name = unique('sa');
        const controller = new AbortController();
        const release = deferred<string>();
        const granted = deferred();
        const request = locks.request(name, { signal: controller.signal }, () => (granted.resolve(), release.promise));
        await granted.promise;
        controller.abort();
        expect(await locks.request(name, { ifAvailable: true }, (lock) => lock === null)).toBe(true);
        release.resolve('kept');
        expect(await request).toBe('kept');
      });
    });

    describe('steal', () => {
      it("is granted at once; the robbed holder's request() rejects with an AbortError DOMException; its callback is not stopped", async () => {
        const locks = subject.locks();
        const name = unique('st');
        const release = deferred();
        const granted = deferred();
        const victim = locks.request(name, () => (granted.resolve(), release.promise));
        await granted.promise;
        const victimError = victim.then(
          () => undefined,
          (e: unknown) => e,
        );
        const got = await locks.request(name, { steal: true }, (lock) => lock!.name);
        expect(got).toBe(name);
        const error = await victimError;
        expect((error as Error).name).toBe('AbortError');
        expect(error).toBeInstanceOf(DOMException);
        release.resolve();
      });

      it('keeps the queue: a request waiting behind the robbed holder is granted after the thief', async () => {
        const locks = subject.locks();
        const name = unique('sq');
        const victim = await hold(locks, name);
        victim.done.catch(() => {});
        const order: string[] = [];
        const waiter = locks.request(name, () => void order.push('waiter'));
        await pending(locks, name, 1);
        const thiefRelease = deferred();
        const thiefGranted = deferred();
        const thief = locks.request(name, { steal: true }, () => (order.push('thief'), thiefGranted.resolve(), thiefRelease.promise));
        await thiefGranted.promise;
        thiefRelease.resolve();
        await Promise.all([thief, waiter]);
        expect(order).toEqual(['thief', 'waiter']);
        victim.release();
      });
    });
  });
}
