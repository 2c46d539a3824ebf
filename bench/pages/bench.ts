/**
 * The in-page half of the benchmark: every tab loops acquire → tiny critical section → release on one
 * lock name from a common start time until a common end time, and reports when it held the lock.
 */
import { crosslockWeb } from '../adapters/crosslock-web.js';
import { rawWebLocks } from '../adapters/raw-web-locks.js';
import type { BenchAdapter } from '../adapters/types.js';

const adapters: Record<string, BenchAdapter> = { raw: rawWebLocks, 'crosslock-web': crosslockWeb };

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

declare global {
  interface Window {
    bench: { run: typeof run; adapters: string[] };
  }
}
window.bench = { run, adapters: Object.keys(adapters) };
