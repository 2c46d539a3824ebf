/**
 * The page lifecycle for the lease protocol, in a window only (a worker has no pagehide): `hide` on
 * `pagehide` (the page unloads, or with `persisted` may enter the back/forward cache), `resume` on `pageshow` and on the
 * Page Lifecycle `resume` event (a frozen page runs again). Globals are looked up when subscribing,
 * never at import, and with `typeof`: `document` is an undeclared global in a Worker, where even
 * `document?.x` throws a ReferenceError (the 0.1 `close()` bug).
 */
import type { Lifecycle } from '../../lease/manager.js';

export function pageLifecycle(): Lifecycle | undefined {
  if (typeof document === 'undefined' || typeof addEventListener !== 'function') return undefined;
  return ({ hide, resume }) => {
    const onHide = (event: PageTransitionEvent): void => hide(event.persisted);
    addEventListener('pagehide', onHide);
    addEventListener('pageshow', resume);
    document.addEventListener('resume', resume);
    return () => {
      removeEventListener('pagehide', onHide);
      removeEventListener('pageshow', resume);
      document.removeEventListener('resume', resume);
    };
  };
}
