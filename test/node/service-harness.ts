/**
 * What the service tests in Node share: a memory lock space per test, fake timers, a counter service
 * that records the call ids it ran, hosts and clients closed after each test, and `pass()` to let
 * messages and fake time go by.
 */
import { proxy } from 'comlink';
import { afterEach, beforeEach, vi } from 'vitest';
import { StaleLockError } from '../../src/index.js';
import { MemoryLockManager, MemoryLockSpace } from '../../src/memory.js';
import { connect, serve, type HostContext, type ServiceClient, type ServiceHost } from '../../src/service.js';

let space: MemoryLockSpace;
export const open: Array<{ close(): Promise<void> }> = [];
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance', 'Date'] });
  space = new MemoryLockSpace();
});
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.close();
  vi.useRealTimers();
});

/** A manager of this test's space, under prefix `w` unless told (`{}`: no prefix). */
export const manager = (options: { prefix?: string } = { prefix: 'w' }) => {
  const m = new MemoryLockManager({ space, ...options });
  open.push(m);
  return m;
};

/** A counter that records every call id it ran: at-most-once is "no id twice". */
export class Counter {
  readonly ran: string[] = [];
  #gate: Promise<void> | undefined;
  constructor(readonly host?: HostContext) {}
  add(callId: string, n = 1): number {
    this.ran.push(callId);
    return this.ran.length * n;
  }
  epoch(): number | undefined {
    return this.host?.epoch;
  }
  /** Waits until `open()` is called: a call that is under way when something happens. */
  slow(callId: string): Promise<string> {
    this.ran.push(callId);
    this.#gate ??= new Promise(() => {});
    return this.#gate.then(() => callId);
  }
  fail(): number {
    throw new StaleLockError('w.wallet', 7, 8, 'another tab wrote since');
  }
  failPlain(): number {
    throw Object.assign(new RangeError('too big'), { limit: 10 });
  }
  /** An answer that cannot be cloned. */
  unclonable(): () => number {
    return () => 1;
  }
  /** An answer made with comlink's proxy(): it would travel on a raw port. */
  callback(): { n: number } {
    return proxy({ n: 1 });
  }
  Thing = class {};
}

export function host(counter: Counter | ((h: HostContext) => Counter) = new Counter(), m = manager()): ServiceHost {
  const h = serve('wallet', counter, { manager: m });
  open.push(h);
  return h;
}

export function client(options: Partial<Parameters<typeof connect<Counter>>[1]> = {}): ServiceClient<Counter> {
  const c = connect<Counter>('wallet', { manager: manager(), mode: 'channel', timeout: 5000, ...options });
  open.push(c);
  return c;
}

/** Lets queued tasks, messages and `ms` of fake time pass. */
export async function pass(ms = 0) {
  await vi.advanceTimersByTimeAsync(ms);
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  await vi.advanceTimersByTimeAsync(0);
}

/** A settled view of a promise, so a test can check it without awaiting it. */
export function track<T>(promise: Promise<T>) {
  const state: { done: boolean; value?: T; error?: unknown } = { done: false };
  promise.then(
    (value) => Object.assign(state, { done: true, value }),
    (error) => Object.assign(state, { done: true, error }),
  );
  return state;
}

