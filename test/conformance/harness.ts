/**
 * Test harness of the conformance suite. A backend is described by a factory of lock spaces: every
 * manager made from one space contends with every other one (one realm table, one origin, one
 * database). Each test gets a fresh space and a random prefix, so backends whose space is shared by
 * the whole browser (Web Locks, IndexedDB) cannot leak one test's locks into another.
 */
import { afterEach, beforeEach, expect, vi } from 'vitest';
import type { LockManager } from '../../src/index.js';

export interface ConformanceSpace {
  /** A new manager in this space; `prefix: undefined` means no prefix. */
  manager(options: { prefix: string | undefined }): LockManager;
  /** Frees the space after the test (managers are closed before). */
  dispose?(): Promise<void>;
}

export interface ConformanceBackend {
  readonly name: string;
  space(): ConformanceSpace;
  /** Waiting requests run a retry timer of their own (lease backends), so timer counts include it. */
  readonly pollsWhileWaiting?: boolean;
  /**
   * Deviations from the contract that the platform under the backend imposes and the backend cannot
   * hide, each with the reason and its source. The suite then asserts the deviation as it is (so a
   * platform fix makes the test fail and the entry gets removed) and that its damage stays bounded.
   */
  readonly deviations?: {
    /** Waiters queued behind an aborted waiter are granted only when the lock is next entirely free. */
    readonly queueNotReprocessedOnAbort?: string;
  };
}

export interface TestContext {
  readonly backend: ConformanceBackend;
  /** The random prefix of this test. */
  readonly prefix: string;
  /** A manager under this test's prefix (or the one given; `undefined` for none). */
  manager(prefix?: string | undefined): LockManager;
}

export function useBackend(backend: ConformanceBackend): TestContext {
  let space: ConformanceSpace | undefined;
  let managers: LockManager[] = [];
  let prefix = '';
  beforeEach(() => {
    space = backend.space();
    managers = [];
    prefix = `t${Math.random().toString(36).slice(2, 10)}`;
  });
  afterEach(async () => {
    vi.useRealTimers();
    await Promise.all(managers.map((m) => m.close()));
    await space?.dispose?.();
  });
  return {
    backend,
    get prefix() {
      return prefix;
    },
    manager(...args: [string | undefined] | []) {
      if (!space) throw new Error('manager() outside a test');
      const m = space.manager({ prefix: args.length === 0 ? prefix : args[0] });
      managers.push(m);
      return m;
    },
  };
}

/** Fakes only the timer functions the managers use, so the browser's own task machinery keeps running. */
export function fakeTimers(): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
}

/** Watches a promise without awaiting it. */
export function track<T>(promise: Promise<T>): { readonly settled: boolean; readonly promise: Promise<T> } {
  const state = { settled: false, promise };
  promise.then(
    () => (state.settled = true),
    () => (state.settled = true),
  );
  return state;
}

/** Waits (by asking the backend, never by sleeping) until `name` has `count` pending requests. */
export async function untilPending(manager: LockManager, name: string, count: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const { pending } = await manager.query();
    if (pending.filter((p) => p.name === name).length === count) return;
  }
  throw new Error(`"${name}" never reached ${count} pending requests`);
}

/** Waits until `name` is held by `count` holders. */
export async function untilHeld(manager: LockManager, name: string, count: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const { held } = await manager.query();
    if (held.filter((p) => p.name === name).length === count) return;
  }
  throw new Error(`"${name}" never reached ${count} holders`);
}

/** Asserts the promise rejects with an error of this `name` (errors are checked by name, not class). */
export async function rejectsWith(promise: Promise<unknown>, name: string): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected a rejection with ${name}`).toBeDefined();
  expect((error as Error).name).toBe(name);
  return error as Error;
}

/** Counts abort listeners added to and removed from a signal. */
export function countListeners(signal: AbortSignal): { added: number; removed: number } {
  const counts = { added: 0, removed: 0 };
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = ((type: string, ...rest: [EventListenerOrEventListenerObject, AddEventListenerOptions?]) => {
    if (type === 'abort') counts.added++;
    add(type, ...rest);
  }) as AbortSignal['addEventListener'];
  signal.removeEventListener = ((type: string, ...rest: [EventListenerOrEventListenerObject, EventListenerOptions?]) => {
    if (type === 'abort') counts.removed++;
    remove(type, ...rest);
  }) as AbortSignal['removeEventListener'];
  return counts;
}
