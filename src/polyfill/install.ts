/**
 * `installWebLocksPolyfill()`: sets `navigator.locks` to a `WebLocksPolyfill` where the browser has none
 * (in a page or a worker), and leaves the browser's own alone where it has one. Call it before the
 * libraries that use `navigator.locks` run (they usually look once, when they start).
 */
import { WebLocksPolyfill, type WebLocksPolyfillOptions } from './polyfill.js';

export interface InstallResult {
  /** True when this call set `navigator.locks` (false: the browser's own, or an earlier install, is there). */
  readonly installed: boolean;
  /** What `navigator.locks` is now. */
  readonly locks: LockManager | WebLocksPolyfill;
}

export function installWebLocksPolyfill(options: WebLocksPolyfillOptions = {}): InstallResult {
  const nav = (globalThis as { navigator?: Navigator }).navigator;
  if (!nav) throw new TypeError('installWebLocksPolyfill() needs a `navigator` (a page or a worker)');
  const existing = (nav as { locks?: LockManager }).locks;
  if (existing) return { installed: false, locks: existing };
  const locks = new WebLocksPolyfill(options);
  Object.defineProperty(nav, 'locks', { value: locks, configurable: true, enumerable: true });
  return { installed: true, locks };
}
