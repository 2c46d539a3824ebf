/**
 * The in-page half of the benchmark: every tab loops acquire → tiny critical section → release on one
 * lock name from a common start time until a common end time, and reports when it held the lock.
 */
import * as checker from '../../e2e/pages/checker.js';
import './leader.js';
import { broadcastChannelElection } from '../adapters/broadcast-channel.js';
import { browserTabsLock } from '../adapters/browser-tabs-lock.js';
import { crosslockIdb } from '../adapters/crosslock-idb.js';
import { crosslockPolyfill } from '../adapters/crosslock-polyfill.js';
import { crosslockWeb, crosslockWebUnchecked } from '../adapters/crosslock-web.js';
import { rawWebLocks, rawWebLocksSignal } from '../adapters/raw-web-locks.js';
import type { BenchAdapter } from '../adapters/types.js';

const adapters: Record<string, BenchAdapter> = {
  raw: rawWebLocks,
  'raw-signal': rawWebLocksSignal,
  'crosslock-web': crosslockWebUnchecked,
  'crosslock-web-checked': crosslockWeb,
  'crosslock-idb': crosslockIdb,
  'crosslock-polyfill': crosslockPolyfill,
  'browser-tabs-lock': browserTabsLock,
  'broadcast-channel': broadcastChannelElection,
};

/** Wall-clock ms, comparable across tabs (each tab has its own timeOrigin). */
const now = (): number => performance.timeOrigin + performance.now();

export interface Grant {
  acquired: number;
  released: number;
}

/**
 * Loops until `endAt`. Plain: a tiny critical section (a counter). With `check`: the IndexedDB
 * exclusion checker's racy section instead (an "inside" marker and a read-modify-write counter), to
 * count overlaps and lost updates rather than to measure speed.
 */
async function run(adapter: string, lockName: string, startAt: number, endAt: number, check = false, tab = ''): Promise<Grant[]> {
  const impl = adapters[adapter];
  if (!impl?.run) throw new Error(`adapter ${adapter} has no lock loop`);
  const grants: Grant[] = [];
  let counter = 0;
  while (now() < startAt) await new Promise((r) => setTimeout(r, Math.max(0, startAt - now() - 2)));
  while (now() < endAt) {
    let acquired = 0;
    await impl.run(
      lockName,
      () => {
        acquired = now();
        counter++;
        return check ? checker.critical(tab) : undefined;
      },
      () => grants.push({ acquired, released: now() }),
    );
  }
  if (counter !== grants.length) throw new Error('critical section count mismatch');
  return grants;
}

/** Failover: holds `lockName` until the page dies; resolves once held. */
function hold(adapter: string, lockName: string): Promise<void> {
  return adapters[adapter]!.hold(lockName);
}

/** Failover: waits for `lockName`; resolves with the wall-clock time it was acquired. */
async function waitFor(adapter: string, lockName: string): Promise<number> {
  await adapters[adapter]!.hold(lockName);
  return now();
}

declare global {
  interface Window {
    bench: { run: typeof run; hold: typeof hold; waitFor: typeof waitFor; checker: typeof checker; adapters: string[]; hasWebLocks: () => boolean };
  }
}
window.bench = { run, hold, waitFor, checker, adapters: Object.keys(adapters), hasWebLocks: () => typeof navigator.locks?.request === 'function' };
