/** The baseline: `navigator.locks.request` as an app would call it by hand. */
import type { BenchAdapter } from './types.js';

export const rawWebLocks: BenchAdapter = {
  name: 'raw navigator.locks',
  async run(name, critical, onRelease) {
    await navigator.locks.request(name, async () => {
      await critical();
      onRelease();
    });
  },
  hold(name) {
    return new Promise((held) => void navigator.locks.request(name, () => (held(), new Promise<void>(() => {}))));
  },
};
