/** `crosslock/polyfill`: the Web Locks API (`navigator.locks`) over IndexedDB leases, where the browser has none. */
export { WebLocksPolyfill, PolyfillLock, type WebLocksPolyfillOptions } from './polyfill/polyfill.js';
export { installWebLocksPolyfill, type InstallResult } from './polyfill/install.js';
