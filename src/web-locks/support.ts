/**
 * Finding `navigator.locks`, lazily (importing crosslock must not touch browser globals), and saying
 * why it is missing when it is: the fix differs (serve over https, upgrade, or fall back).
 */
import { UnsupportedError } from '../core/errors.js';

/** The browser's Web Locks manager (the DOM `LockManager`, not crosslock's). */
export type BrowserLocks = Navigator['locks'];

export function browserLocks(): BrowserLocks {
  const scope = globalThis as { navigator?: Partial<Navigator>; isSecureContext?: boolean; document?: unknown };
  const locks = scope.navigator?.locks;
  // crosslock/polyfill is leases, not the browser's locks: WebLockManager's guarantees (released at once,
  // exclusion by the browser alone) would not hold over it; platformDefault() then picks the leases directly.
  const polyfilled = (locks as unknown as Record<symbol, unknown> | undefined)?.[Symbol.for('crosslock.webLocksPolyfill')];
  if (typeof locks?.request === 'function' && !polyfilled) return locks;
  throw new UnsupportedError(
    `no navigator.locks: ${
      polyfilled
        ? 'it is crosslock/polyfill (leases)'
        : !scope.navigator || !(scope.document || 'WorkerGlobalScope' in globalThis)
        ? 'not a browser'
        : scope.isSecureContext === false
          ? 'not a secure context (https or localhost)'
          : 'browser too old for Web Locks (Chrome 69, Firefox 96, Safari 15.4)'
    }`,
  );
}
