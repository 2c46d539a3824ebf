/**
 * A page whose browser lacks Web Locks (the spec removes `navigator.locks` before any script) and that
 * installs crosslock/polyfill first thing, as an app would. Then code written for the browser's API runs
 * on it unchanged: the exclusion checker's loop calls `navigator.locks.request` directly, and
 * broadcast-channel's `createLeaderElection` (which uses `navigator.locks` when it is there) elects a leader.
 */
import { createLeaderElection, BroadcastChannel as Channel, type LeaderElector } from 'broadcast-channel';
import { installWebLocksPolyfill } from '../../src/polyfill.js';
import * as checker from './checker.js';

const { installed } = installWebLocksPolyfill();
const held = new Map<string, () => void>();
const queued: Array<Promise<unknown>> = [];
let elector: LeaderElector | undefined;

const polyfillTab = {
  installed: () => installed,
  checker,
  /** `iterations` times: the racy checker section under `navigator.locks.request('counter', ...)`. */
  async loop(tab: string, iterations: number): Promise<void> {
    for (let i = 0; i < iterations; i++) await navigator.locks.request('counter', () => checker.critical(tab));
  },
  /** Takes `name` and holds it until `release(name)`; resolves once granted (ms since the page started). */
  hold(name: string): Promise<number> {
    return new Promise((granted) => {
      void navigator.locks.request(name, () => new Promise<void>((release) => (held.set(name, release), granted(performance.now()))));
    });
  },
  release: (name: string) => held.get(name)?.(),
  /** Requests `name` (not awaited); once granted, appends `id` to the checker's list `order:<name>` and releases. */
  queue(name: string, id: string): void {
    queued.push(navigator.locks.request(name, () => checker.append(`order:${name}`, id)));
  },
  /** Resolves once every `queue()` request of this page has settled; how many were fulfilled. */
  settled: async () => (await Promise.allSettled(queued)).filter((r) => r.status === 'fulfilled').length,
  pending: async (name: string) => (await navigator.locks.query()).pending!.filter((l) => l.name === name).length,
  /** Joins broadcast-channel's leader election; resolves once this tab leads. */
  lead(): Promise<void> {
    elector ??= createLeaderElection(new Channel('crosslock-e2e-polyfill-leader'));
    return elector.awaitLeadership();
  },
  isLeader: () => elector?.isLeader ?? false,
  hasLeader: () => elector?.hasLeader() ?? Promise.resolve(false),
};

declare global {
  interface Window {
    polyfillTab: typeof polyfillTab;
  }
}
window.polyfillTab = polyfillTab;
