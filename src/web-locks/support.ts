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
  if (typeof locks?.request === 'function') return locks;
  throw new UnsupportedError(
    `no navigator.locks: ${
      !scope.navigator || !(scope.document || 'WorkerGlobalScope' in globalThis)
        ? 'not a browser'
        : scope.isSecureContext === false
          ? 'not a secure context (https or localhost)'
          : 'browser too old for Web Locks (Chrome 69, Firefox 96, Safari 15.4)'
    }`,
  );
}
