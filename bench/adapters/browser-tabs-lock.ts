/** browser-tabs-lock (used by auth0-spa-js): a localStorage-based lock that polls. */
import * as lockModule from 'browser-tabs-lock';
import type { BenchAdapter } from './types.js';

// A CommonJS default export may arrive wrapped once or twice under Vite in an ESM package.
type LockClass = new () => { acquireLock(key: string, timeout?: number): Promise<boolean>; releaseLock(key: string): Promise<void> };
const unwrap = (m: unknown): LockClass => {
  let value = m as { default?: unknown };
  while (typeof value !== 'function' && value?.default) value = value.default as { default?: unknown };
  return value as unknown as LockClass;
};
const Lock = unwrap(lockModule);
let lock: InstanceType<LockClass> | undefined;

async function take(name: string): Promise<void> {
  lock ??= new Lock();
  while (!(await lock.acquireLock(name, 60_000))) {
    // acquireLock gives up after its timeout: ask again.
  }
}

export const browserTabsLock: BenchAdapter = {
  name: 'browser-tabs-lock',
  async run(name, critical, onRelease) {
    await take(name);
    await critical();
    onRelease();
    await lock!.releaseLock(name);
  },
  hold: take,
};
