/**
 * crosslock/service at its edges (issue 13, from a hostile review): a host that comes back in the same
 * epoch, calls a host stopped before acking (re-sent, never lost), port clients finding a host that
 * serves only the channel, comlink's side channels refused, values that cannot be cloned failing at
 * once, and bad input rejected synchronously with typed errors.
 */
import { createEndpoint, releaseProxy, transferHandlers, type TransferHandler } from 'comlink';
import { describe, expect, it, vi } from 'vitest';
import { scopedBus } from '../../src/leader/bus.js';
import type { MemoryLockManager } from '../../src/memory.js';
import { connect, serve, ServiceClosedError, ServiceGoneError } from '../../src/service.js';
import { channelName, isServiceMessage } from '../../src/service/messages.js';
import { client, Counter, host, manager, open, pass, track } from './service-harness.js';

describe('hosts that stop and come back', () => {
  it('a host whose leadership ended with nobody else waiting leads again in the same epoch, under a new id: its clients follow it', async () => {
    const counter = new Counter();
    const h = host(counter);
    const c = client();
    const first = await c.reconnect();
    h.context!.guard.release(); // its leadership ends (the election notices on its next tick)
    await pass(2000);
    const second = await c.reconnect();
    expect(second.epoch).toBe(first.epoch); // the same holder took the lock again: the term did not move
    expect(second.hostId).not.toBe(first.hostId);
    expect(await c.remote.add('after')).toBe(1);
  });

  it('a call that reached a host after it stopped is refused, not run, and goes to the next host', async () => {
    const [one, two] = [new Counter(), new Counter()];
    const a = host(one);
    const c = client();
    await c.reconnect();
    host(two); // waits to lead
    const closing = a.close();
    const late = track(c.remote.add('late')); // sent to `a`, which no longer serves when it arrives
    await closing;
    await pass();
    expect(late).toMatchObject({ done: true, value: 1 });
    expect(one.ran).toEqual([]);
    expect(two.ran).toEqual(['late']);
  });

  it('a client on a SharedWorker port also hears the channel: it finds the host wherever it runs', async () => {
    (globalThis as { SharedWorker?: unknown }).SharedWorker = class {};
    try {
      const serving = new Counter();
      host(serving); // leads, serves the channel only
      const idle = host(new Counter()); // the "SharedWorker": takes the port, but does not lead
      const c = client({
        mode: 'auto',
        worker: () => {
          const { port1, port2 } = new MessageChannel();
          idle.accept(port2);
          open.push({ close: async () => (port1.close(), port2.close()) });
          return { port: port1 };
        },
      });
      expect(c.transport).toBe('port');
      expect(await c.remote.add('x')).toBe(1);
      expect(serving.ran).toEqual(['x']);
    } finally {
      delete (globalThis as { SharedWorker?: unknown }).SharedWorker;
    }
  });
});

describe("comlink's escape hatches and unclonable values", () => {
  it('createEndpoint, `new` on a remote and answers made with proxy() are refused, typed', async () => {
    host();
    const c = client();
    await expect(c.remote[createEndpoint]()).rejects.toMatchObject({ name: 'UnsupportedError' });
    await expect(new c.remote.Thing()).rejects.toMatchObject({ name: 'UnsupportedError' });
    await expect(c.remote.callback()).rejects.toMatchObject({ name: 'UnsupportedError' });
  });

  it('releaseProxy closes the client: calls under way end with ServiceClosedError instead of hanging', async () => {
    const c = client();
    const waiting = track(c.remote.add('w')); // no host: it waits
    c.remote.add[releaseProxy]();
    await pass();
    expect(waiting.error).toBeInstanceOf(ServiceClosedError);
  });

  it('an argument that cannot be cloned fails the call at once; so does an answer that cannot be', async () => {
    const counter = new Counter();
    host(counter);
    const c = client({ timeout: 60_000 });
    await c.reconnect();
    const arg = track(c.remote.add((() => 'x') as never));
    await pass();
    expect(arg.error).toMatchObject({ name: 'DataCloneError' });
    expect(counter.ran).toEqual([]);
    const answer = track(c.remote.unclonable() as Promise<unknown>);
    await pass();
    expect(answer.error).toMatchObject({ name: 'TypeError', message: 'Unserializable return value' });
    expect(await c.remote.add('still fine')).toBe(1);
  });
});

describe('bad input', () => {
  it('is refused synchronously, with typed errors', () => {
    const m = manager();
    expect(() => connect('wallet', { manager: {} as never })).toThrow(expect.objectContaining({ name: 'UnsupportedError' }));
    expect(() => connect('wallet', { manager: m, fallback: null as never })).toThrow(expect.objectContaining({ name: 'InvalidOptionError', option: 'fallback' }));
    expect(() => connect('wallet', { manager: m, staleAfterMs: -1 })).toThrow(expect.objectContaining({ name: 'OptionRangeError', option: 'staleAfterMs' }));
    expect(() => connect('wallet', { manager: m, timeout: Infinity })).toThrow(expect.objectContaining({ name: 'OptionRangeError', option: 'timeout' }));
    expect(() => serve('wallet', {}, { manager: m, heartbeatMs: 0 })).toThrow(expect.objectContaining({ name: 'OptionRangeError', option: 'heartbeatMs' }));
    expect(() => serve('wallet', {}, { manager: undefined as never })).toThrow(expect.objectContaining({ name: 'UnsupportedError' }));
  });

  it('a manager promise that rejects fails every call with its error, and nothing is left unhandled', async () => {
    const c = connect<Counter>('wallet', { manager: Promise.reject(new Error('no storage')), timeout: 1000 });
    open.push(c);
    await expect(c.remote.add('x')).rejects.toThrow('no storage');
    await expect(c.reconnect()).rejects.toThrow('no storage');
  });
});

describe('second review', () => {
  it('a host thawed after a freeze past staleAfterMs (Web Locks) refuses the call it finds waiting; the call runs once, on the next start', async () => {
    const m = manager();
    // The memory manager, reporting Web Locks: the backend whose frozen leaders are stolen from.
    const webLocks = new Proxy(m, { get: (t, p) => (p === 'backend' ? 'web-locks' : typeof Reflect.get(t, p) === 'function' ? Reflect.get(t, p).bind(t) : Reflect.get(t, p)) }) as MemoryLockManager;
    const counter = new Counter();
    const h = serve('wallet', counter, { manager: webLocks, staleAfterMs: 10_000, heartbeatMs: 1000 });
    open.push(h);
    const c = client();
    const first = await c.reconnect();
    vi.setSystemTime(Date.now()); // (fake timers: move the clocks without running any timer, as a frozen tab)
    const now = performance.now();
    const frozen = vi.spyOn(performance, 'now').mockReturnValue(now + 20_000);
    const call = track(c.remote.add('after-thaw'));
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve)); // messages only, no timer
    frozen.mockRestore();
    await pass(3000);
    expect(call).toMatchObject({ done: true, value: 1 });
    expect(counter.ran).toEqual(['after-thaw']);
    expect(c.host!.hostId).not.toBe(first.hostId); // it ran on a new start, after the stale one stepped down
  });

  it("a ServiceGoneError the implementation itself throws is not taken for the client's verdict", async () => {
    host({ relay: () => { throw new ServiceGoneError('bank', 3, false); } } as unknown as Counter);
    const c = client();
    const error = await (c.remote as unknown as { relay(): Promise<void> }).relay().catch((e: Error) => e);
    expect(error).not.toBeInstanceOf(ServiceGoneError);
    expect(error).toMatchObject({ name: 'RemoteServiceError', cause: { name: 'ServiceGoneError', service: 'bank' } });
  });

  it('remote.method.bind() stays guarded: its releaseProxy closes the client instead of leaving calls hanging', async () => {
    const c = client({ timeout: 1000 });
    const waiting = track(c.remote.add('w'));
    (c.remote.add.bind(null) as unknown as Record<symbol, () => void>)[releaseProxy]!();
    await pass(2000);
    expect(waiting.error).toBeInstanceOf(ServiceClosedError);
    expect((c.remote as unknown as { then?: unknown }).then).toBeUndefined();
  });

  it("an app's own 'throw' handler is kept", () => {
    const before = transferHandlers.get('throw')!;
    const mine = { ...before } as TransferHandler<unknown, unknown>;
    transferHandlers.set('throw', mine);
    try {
      client();
      expect(transferHandlers.get('throw')).toBe(mine);
    } finally {
      transferHandlers.set('throw', before);
    }
  });

  it('a client closed from its own gone listener follows nobody afterwards', async () => {
    const a = host();
    const c = client();
    await c.reconnect();
    c.addEventListener('gone', () => void c.close());
    await a.close();
    host();
    await pass(100);
    expect(c.host).toBeNull();
    expect(c.signal.reason).toBeInstanceOf(ServiceClosedError);
  });

  it('a host below an epoch known gone is dropped (a frozen host replaced meanwhile)', async () => {
    host();
    const c = client();
    const followed = await c.reconnect();
    const gone: Array<number | undefined> = [];
    c.addEventListener('gone', (e) => gone.push(e.error?.epoch));
    const bus = scopedBus('realm', channelName('w', 'wallet'), isServiceMessage, () => {});
    bus.post({ v: 1, s: 'wallet', t: 'down', from: 'a-newer-host', epoch: followed.epoch + 1 });
    await pass();
    bus.close();
    expect(gone).toEqual([followed.epoch]);
    expect(c.host).toBeNull();
  });
});

describe('service names', () => {
  it('the longest service name serves end to end, with or without a prefix; one byte more is refused by serve() and connect() at once, naming the limit', async () => {
    for (const prefix of [undefined, 'p'.repeat(64)]) {
      const options = prefix === undefined ? {} : { prefix };
      // "<prefix>+alive+<name>+<epoch>+<host id>": an epoch of up to 16 digits, a host id of 16.
      const longest = 200 - (prefix?.length ?? 0) - '+alive+'.length - 2 - 16 - 16;
      const name = 's'.repeat(longest);
      const counter = new Counter();
      open.push(serve(name, counter, { manager: manager(options) }));
      const c = connect<Counter>(name, { manager: manager(options), mode: 'channel', timeout: 5000 });
      open.push(c);
      expect(await c.remote.add('x')).toBe(1);
      expect(counter.ran).toEqual(['x']);
      const limit = expect.objectContaining({ name: 'InvalidLockNameError', message: expect.stringContaining(`1 to ${longest} of`) });
      expect(() => serve(`${name}s`, new Counter(), { manager: manager(options) })).toThrow(limit);
      expect(() => connect(`${name}s`, { manager: manager(options), mode: 'channel' })).toThrow(limit);
    }
  });

  it("a name too long for the prefix of a manager given as a promise stops the host with an 'error', and fails the client", async () => {
    const name = 's'.repeat(200 - 64 - '+alive+'.length - 2 - 16 - 16 + 1);
    const h = serve(name, new Counter(), { manager: Promise.resolve(manager({ prefix: 'p'.repeat(64) })) });
    const errors: unknown[] = [];
    h.addEventListener('error', (event) => errors.push(event.error));
    open.push(h);
    await h.closed;
    expect(errors).toEqual([expect.objectContaining({ name: 'ServiceHostError', kind: 'manager', retryInMs: undefined, cause: expect.objectContaining({ name: 'InvalidLockNameError' }) })]);
    const c = connect<Counter>(name, { manager: Promise.resolve(manager({ prefix: 'p'.repeat(64) })), mode: 'channel', timeout: 5000 });
    open.push(c);
    await expect(c.reconnect()).rejects.toMatchObject({ name: 'InvalidLockNameError' });
  });
});
