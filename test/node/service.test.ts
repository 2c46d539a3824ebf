/**
 * crosslock/service's protocol in Node (issue 13): hosts and clients over the memory backend, talking
 * on the in-realm channel or on MessageChannel pairs (a SharedWorker's ports without the worker), with
 * time controlled by fake timers. Epochs, re-sending calls no host took, at-most-once for calls a host
 * had, typed errors, timeouts, close. The SharedWorker itself, crashes and the fallback across tabs are
 * proven in Chromium (e2e/service.spec.ts).
 */
import { describe, expect, it, vi, beforeEach, afterEach } from 'vitest';
import { InvalidOptionError, StaleLockError, UnsupportedError } from '../../src/index.js';
import { connect, serve, ServiceClosedError, ServiceGoneError, ServiceTimeoutError, type HostContext, type ServiceHost } from '../../src/service.js';
import { client, Counter, host, manager, open, pass, track } from './service-harness.js';

describe('service over the channel (memory backend)', () => {
  it('a call reaches the one host; the epoch is the host election term', async () => {
    const counter = new Counter();
    const h = host(counter);
    const c = client();
    expect(await c.remote.add('a', 2)).toBe(2);
    expect(c.host).toEqual({ epoch: h.context!.epoch, where: 'page', hostId: h.context!.hostId });
    expect(counter.ran).toEqual(['a']);
  });

  it('calls made before any host exists wait for one, and run once', async () => {
    const c = client();
    const first = track(c.remote.add('early'));
    await pass(1000);
    expect(first.done).toBe(false);
    const counter = new Counter();
    host(counter);
    await pass();
    expect(first).toMatchObject({ done: true, value: 1 });
    expect(counter.ran).toEqual(['early']);
  });

  it('a host that goes away fails the calls it had (accepted: true), and the next call reaches a new host with a higher epoch', async () => {
    const [one, two] = [new Counter(), new Counter()];
    const first = host(one);
    const c = client();
    await c.reconnect();
    const epoch1 = c.host!.epoch;
    const signal = c.signal;
    const slow = track(c.remote.slow('s1'));
    await pass();
    expect(one.ran).toEqual(['s1']);
    host(two);
    await first.close();
    await pass();
    expect(slow.error).toBeInstanceOf(ServiceGoneError);
    expect(slow.error).toMatchObject({ name: 'ServiceGoneError', service: 'wallet', epoch: epoch1, accepted: true });
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toMatchObject({ name: 'ServiceGoneError', epoch: epoch1 });
    expect(await c.remote.add('after')).toBe(1);
    expect(c.host!.epoch).toBeGreaterThan(epoch1);
    expect(two.ran).toEqual(['after']);
    expect(one.ran).toEqual(['s1']); // never re-run
  });

  it('follows the highest epoch: a newer host taking over ends the older one for this client', async () => {
    const events: string[] = [];
    const c = client();
    c.addEventListener('host', (e) => events.push(`host ${e.host!.epoch}`));
    c.addEventListener('gone', (e) => events.push(`gone ${e.error!.epoch}`));
    const a = host();
    await c.reconnect();
    const e1 = c.host!.epoch;
    await a.close();
    host();
    await c.reconnect();
    expect(events).toEqual([`host ${e1}`, `gone ${e1}`, `host ${c.host!.epoch}`]);
    expect(c.host!.epoch).toBeGreaterThan(e1);
  });

  it('errors thrown in the host arrive typed, with their fields', async () => {
    host();
    const c = client();
    const stale = await c.remote.fail().catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(StaleLockError);
    expect(stale).toMatchObject({ name: 'StaleLockError', lockName: 'w.wallet', generation: 7, current: 8 });
    const range = await c.remote.failPlain().catch((e: unknown) => e);
    expect(range).toBeInstanceOf(RangeError);
    expect(range).toMatchObject({ name: 'RangeError', message: 'too big', limit: 10 });
  });

  it('no call hangs: no host → ServiceTimeoutError (never sent); a host that never answers → ServiceTimeoutError (accepted)', async () => {
    const c = client({ timeout: 2000 });
    const lonely = track(c.remote.add('x'));
    await pass(1999);
    expect(lonely.done).toBe(false);
    await pass(1);
    expect(lonely.error).toMatchObject({ name: 'ServiceTimeoutError', timeout: 2000, accepted: false, epoch: undefined });
    const counter = new Counter();
    host(counter);
    await c.reconnect();
    const slow = track(c.remote.slow('s'));
    await pass(2000);
    expect(slow.error).toBeInstanceOf(ServiceTimeoutError);
    expect(slow.error).toMatchObject({ accepted: true, epoch: c.host!.epoch });
    expect(counter.ran).toEqual(['s']);
  });

  it('close() ends waiting calls with ServiceClosedError; later calls and reconnect() too', async () => {
    const c = client();
    const waiting = track(c.remote.add('w'));
    await c.close();
    await pass();
    expect(waiting.error).toBeInstanceOf(ServiceClosedError);
    await expect(c.remote.add('late')).rejects.toBeInstanceOf(ServiceClosedError);
    await expect(c.reconnect()).rejects.toBeInstanceOf(ServiceClosedError);
    expect(c.signal.reason).toBeInstanceOf(ServiceClosedError);
  });

  it('an implementation factory runs once per epoch, with the epoch and its guard', async () => {
    const made: HostContext[] = [];
    host((ctx) => (made.push(ctx), new Counter(ctx)));
    const c = client();
    expect(await c.remote.epoch()).toBe(c.host!.epoch);
    expect(made).toHaveLength(1);
    expect(made[0]!.guard.generation).toBe(made[0]!.epoch);
    expect(made[0]!.signal.aborted).toBe(false);
  });

  it('fallback: every client may host; closing the hosting one hands the service to another with a higher epoch', async () => {
    const counters: Counter[] = [];
    const fallback = (ctx: HostContext) => {
      const counter = new Counter(ctx);
      counters.push(counter);
      return counter;
    };
    const [a, b, c] = [client({ fallback }), client({ fallback }), client({ fallback })];
    await pass();
    const hosting = [a, b, c].filter((x) => x.localHost?.context);
    expect(hosting).toHaveLength(1);
    for (const x of [a, b, c]) expect((await x.reconnect()).hostId).toBe(hosting[0]!.localHost!.context!.hostId);
    expect(await a.remote.add('1')).toBe(1);
    const epoch1 = a.host!.epoch;
    await hosting[0]!.close();
    await pass();
    const rest = [a, b, c].filter((x) => x !== hosting[0]);
    expect(rest.filter((x) => x.localHost?.context)).toHaveLength(1);
    for (const x of rest) expect((await x.reconnect()).epoch).toBeGreaterThan(epoch1);
    expect(await rest[0]!.remote.add('2')).toBe(1);
    expect(counters.flatMap((x) => x.ran)).toEqual(['1', '2']);
  });

  it('bad input is a typed error', () => {
    const m = manager();
    expect(() => connect('wallet', { manager: m, timeout: -1 })).toThrow(expect.objectContaining({ name: 'OptionRangeError' }));
    expect(() => connect('wallet', { manager: m, mode: 'shared' as never })).toThrow(InvalidOptionError);
    expect(() => connect('wallet', { manager: m, timout: 5 } as never)).toThrow(InvalidOptionError);
    expect(() => connect('bad name', { manager: m })).toThrow(expect.objectContaining({ name: 'InvalidLockNameError' }));
    expect(() => connect('wallet', { manager: m, mode: 'shared-worker' })).toThrow(UnsupportedError);
    expect(() => serve('wallet', 42 as never, { manager: m })).toThrow(TypeError);
  });
});

describe('service over ports (MessageChannel pairs, as a SharedWorker)', () => {
  /** Node has no SharedWorker: a stand-in class, so that `mode: 'auto'` picks the port. */
  class FakeSharedWorker {
    readonly port = new MessageChannel().port1;
  }
  beforeEach(() => void ((globalThis as { SharedWorker?: unknown }).SharedWorker = FakeSharedWorker));
  afterEach(() => void delete (globalThis as { SharedWorker?: unknown }).SharedWorker);

  /** A client whose `worker()` opens a MessageChannel to `h` (what `new SharedWorker(url)` does). */
  function portClient(h: () => ServiceHost, options: Partial<Parameters<typeof connect<Counter>>[1]> = {}) {
    const ports: MessagePort[] = [];
    const worker = () => {
      const { port1, port2 } = new MessageChannel();
      h().accept(port2);
      ports.push(port1, port2);
      return { port: port1 };
    };
    const c = client({ ...options, worker, mode: 'auto' });
    open.push({ close: async () => ports.forEach((p) => p.close()) });
    return c;
  }

  /**
   * From now on, the service messages of these kinds are lost on their way, on ports and on the in-realm
   * channel (which clones every message with structuredClone): what a crash does to what was in flight.
   */
  function losing(kinds: string[]) {
    const dropped: string[] = [];
    const lose = (message: unknown): boolean => {
      const t = (message as { t?: unknown } | null)?.t;
      if (typeof t !== 'string' || !kinds.includes(t)) return false;
      dropped.push(t);
      return true;
    };
    const post = MessagePort.prototype.postMessage;
    const clone = globalThis.structuredClone;
    vi.spyOn(MessagePort.prototype, 'postMessage').mockImplementation(function (this: MessagePort, message: unknown, transfer?: unknown) {
      if (!lose(message)) (post as (this: MessagePort, m: unknown, t?: unknown) => void).call(this, message, transfer);
    });
    vi.spyOn(globalThis, 'structuredClone').mockImplementation((value: unknown, options?: StructuredSerializeOptions) => (lose(value) ? {} : clone(value, options)));
    return { dropped, restore: () => vi.restoreAllMocks() };
  }

  /**
   * A host about to die (its manager `m1`) with a client on its port, and the host that will follow
   * it; `die()` releases the dying host's locks (its manager closes) with its ports already silent.
   */
  async function dying() {
    const m1 = manager();
    const [one, two] = [new Counter(), new Counter()];
    let current = host(one, m1);
    const c = portClient(() => current);
    await c.reconnect();
    const epoch1 = c.host!.epoch;
    const die = async () => {
      current = host(two);
      await m1.close();
      await pass();
    };
    return { c, one, two, epoch1, die };
  }

  it('refuses a realm-scoped manager with a SharedWorker (it would take every host for dead): calls fail typed', async () => {
    const c = client({ worker: () => new FakeSharedWorker(), mode: 'auto' });
    await expect(c.remote.add('x')).rejects.toMatchObject({ name: 'UnsupportedError' });
    await expect(c.reconnect()).rejects.toMatchObject({ name: 'UnsupportedError' });
  });

  it('uses the port when given a worker; calls and typed errors cross it', async () => {
    const counter = new Counter();
    const h = host(counter);
    const c = portClient(() => h);
    expect(c.transport).toBe('port');
    expect(await c.remote.add('p')).toBe(1);
    await expect(c.remote.fail()).rejects.toBeInstanceOf(StaleLockError);
  });

  it('a host that dies without a word (its messages lost, its locks released) is noticed through its alive lock; a reconnect reaches the next host', async () => {
    const { c, one, two, epoch1, die } = await dying();
    const slow = track(c.remote.slow('s'));
    await pass();
    // "Crash": nothing more the host says arrives, and its manager's locks are released.
    const lost = losing(['down']);
    await die();
    lost.restore();
    expect(lost.dropped).toContain('down'); // the dead host's 'down' never arrived
    expect(slow.error).toMatchObject({ name: 'ServiceGoneError', epoch: epoch1, accepted: true });
    expect(await c.remote.add('next')).toBe(1);
    expect(c.host!.epoch).toBeGreaterThan(epoch1);
    expect(one.ran).toEqual(['s']);
    expect(two.ran).toEqual(['next']);
  });

  it('a call the host received but whose ack never arrived fails (accepted: false) and is never sent again, even though it ran', async () => {
    const { c, one, two, epoch1, die } = await dying();
    // From now on the host's answers are lost (it is dying): the call arrives and runs, its ack does not.
    const lost = losing(['ack', 'reply', 'down']);
    const sent = track(c.remote.slow('s'));
    await pass();
    expect(one.ran).toEqual(['s']);
    await die();
    lost.restore();
    expect(lost.dropped).toEqual(expect.arrayContaining(['ack', 'down']));
    expect(sent.error).toMatchObject({ name: 'ServiceGoneError', epoch: epoch1, accepted: false });
    expect(await c.remote.add('next')).toBe(1);
    expect(two.ran).toEqual(['next']); // 's' ran once, on the dead host, and its caller was told
  });
});
