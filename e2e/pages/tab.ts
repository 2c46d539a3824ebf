/** A bare page for e2e specs: exposes the library on `window.crosslock` for `page.evaluate`. */
import * as crosslock from '../../src/index.js';

declare global {
  interface Window {
    crosslock: typeof crosslock;
  }
}

window.crosslock = crosslock;
