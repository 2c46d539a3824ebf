/**
 * Init scripts for a chaos context, before any page opens:
 * - without Web Locks (the lease configurations): `navigator.locks` reads as undefined, so
 *   `platformDefault()` picks the lease backend (each page checks it did);
 * - without Vite's HMR socket: Chromium closes a page's WebSockets when it enters the back/forward
 *   cache and logs a console error for it, and Vite's client reloads a restored page once it sees its
 *   socket closed. The dev server's HMR is not part of what is tested, so its socket never opens here.
 *
 * Both are strings, not functions: Playwright sends a function's source, and under tsx (esbuild with
 * keepNames) an arrow function in it becomes `__name(() => ..., "get")`, which throws in the page for
 * want of `__name`. (That is why e2e/helpers.ts's `withoutWebLocks` does nothing when imported from a
 * tsx script such as tools/chaos.ts.)
 */
import type { BrowserContext } from '@playwright/test';
import type { ChaosConfig } from './configs.js';

const NO_WEB_LOCKS = `Object.defineProperty(Navigator.prototype, 'locks', { configurable: true, get() { return undefined; } });`;

const NO_VITE_HMR = `(function () {
  var Native = window.WebSocket;
  function inert(url) {
    return { url: String(url), readyState: 0, CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3,
      addEventListener: function () {}, removeEventListener: function () {}, send: function () {}, close: function () {} };
  }
  window.WebSocket = new Proxy(Native, {
    construct: function (target, args, newTarget) {
      var protocol = args[1];
      return protocol === 'vite-hmr' || protocol === 'vite-ping' ? inert(args[0]) : Reflect.construct(target, args, newTarget);
    },
  });
})();`;

export async function prepareContext(context: BrowserContext, config: ChaosConfig): Promise<void> {
  await context.addInitScript({ content: NO_VITE_HMR });
  if (config.noWebLocks) await context.addInitScript({ content: NO_WEB_LOCKS });
}
