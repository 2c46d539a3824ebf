/**
 * Finding `navigator.locks`, lazily (importing crosslock must not touch browser globals), and saying
 * precisely why it is missing when it is: the fix differs (serve over https, upgrade, or fall back).
 */
import { UnsupportedError } from '../core/errors.js';

/** The browser's Web Locks manager (the DOM `LockManager`, not crosslock's). */
export type BrowserLocks = Navigator['locks'];

export function browserLocks(): BrowserLocks {
  const scope = globalThis as { navigator?: Partial<Navigator>; isSecureContext?: boolean; location?: { origin?: string } };
  const locks = scope.navigator?.locks;
  if (locks && typeof locks.request === 'function' && typeof locks.query === 'function') return locks;
  if (!scope.navigator || !('window' in globalThis || 'WorkerGlobalScope' in globalThis)) {
    throw new UnsupportedError(
      'WebLockManager needs navigator.locks and this is not a browser (Node, SSR); use platformDefault() or MemoryLockManager',
    );
  }
  if (scope.isSecureContext === false) {
    throw new UnsupportedError(
      `navigator.locks exists only in secure contexts (https:// or http://localhost), and ${scope.location?.origin ?? 'this context'} is not one`,
    );
  }
  throw new UnsupportedError('this browser has no Web Locks API (it needs Chrome 69+, Firefox 96+ or Safari 15.4+)');
}
