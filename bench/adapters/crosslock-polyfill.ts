/**
 * crosslock/polyfill: `navigator.locks.request` as a library calls it, on IndexedDB leases (what runs where
 * the browser has no Web Locks), beside raw Web Locks and the lease backend it is built on.
 */
import { WebLocksPolyfill } from '../../src/polyfill.js';
import type { BenchAdapter } from './types.js';

let locks: WebLocksPolyfill | undefined;
const polyfill = (): WebLocksPolyfill => (locks ??= new WebLocksPolyfill({ database: 'crosslock-bench-polyfill' }));

export const crosslockPolyfill: BenchAdapter = {
  name: 'crosslock/polyfill (navigator.locks over leases)',
  run(name, critical, onRelease) {
    return polyfill().request(name, async () => {
      await critical();
      onRelease();
    }) as Promise<void>;
  },
  hold(name) {
    return new Promise<void>((held) => void polyfill().request(name, () => (held(), new Promise<never>(() => {}))));
  },
};
