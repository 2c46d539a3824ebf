/**
 * The in-page half of the benchmark: every tab loops acquire → tiny critical section → release on one
 * lock name from a common start time until a common end time, and reports when it held the lock.
 */
import { crosslockIdb } from '../adapters/crosslock-idb.js';
import { crosslockWeb, crosslockWebUnchecked } from '../adapters/crosslock-web.js';
import { rawWebLocks } from '../adapters/raw-web-locks.js';
import type { BenchAdapter } from '../adapters/types.js';

const adapters: Record<string, BenchAdapter> = {
  raw: rawWebLocks,
  'crosslock-web': crosslockWebUnchecked,
  'crosslock-web-checked': crosslockWeb,
  'crosslock-idb': crosslockIdb,
};

/** Wall-clock ms, comparable across tabs (each tab has its own timeOrigin). */
const now = (): number => performance.timeOrigin + performance.now();

export interface Grant {
  acquired: number;
  released: number;
}

async function run(adapter: string, lockName: string, startAt: number, endAt: number): Promise<Grant[]> {
  const impl = adapters[adapter];
  if (!impl) throw new Error(`unknown adapter ${adapter}`);
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
function waitFor(adapter: string, lockName: string): Promise<number> {
  return new Promise((acquired) => void adapters[adapter]!.run(lockName, () => acquired(now()), () => {}));
}

declare global {
  interface Window {
    bench: { run: typeof run; hold: typeof hold; waitFor: typeof waitFor; adapters: string[] };
  }
}
window.bench = { run, hold, waitFor, adapters: Object.keys(adapters) };
