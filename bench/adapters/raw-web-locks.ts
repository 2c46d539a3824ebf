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

const shared = new AbortController();

/**
 * Raw, with what crosslock passes on every waiting request: `mode`, and one signal shared by all (the
 * manager's close signal). Not in the default runs: `--adapters raw,raw-signal,crosslock-web` tells whether
 * the browser's handling of that signal is where crosslock's gap to raw is (issue 17).
 */
export const rawWebLocksSignal: BenchAdapter = {
  name: 'raw navigator.locks with a shared signal',
  async run(name, critical, onRelease) {
    await navigator.locks.request(name, { mode: 'exclusive', signal: shared.signal }, async () => {
      await critical();
      onRelease();
    });
  },
  hold(name) {
    return new Promise((held) => void navigator.locks.request(name, { signal: shared.signal }, () => (held(), new Promise<void>(() => {}))));
  },
};
