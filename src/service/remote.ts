/** The client's side of comlink: the answers it makes up itself, and the remote with comlink's escape hatches closed. */
import { createEndpoint, releaseProxy } from 'comlink';
import { UnsupportedError } from '../core/errors.js';
import type { ComlinkMessage } from './messages.js';
import { MADE_UP, toWire } from './wire-errors.js';

/** comlink's answer for call `id` that throws `error`, through the handler of made-up errors (wire-errors.ts). */
export function thrown(id: string, error: Error): ComlinkMessage {
  return { id, type: 'HANDLER', name: MADE_UP, value: toWire(error) };
}

/**
 * The remote, with comlink's own escape hatches closed at every depth: `releaseProxy` would drop every
 * pending call's resolver (they would never settle: use `close()`, which it now calls), and
 * `createEndpoint` would give a raw port that escapes epochs and timeouts.
 */
export function guarded<R>(remote: R, close: () => void): R {
  const wrapProxy = (target: unknown, root: boolean): unknown =>
    new Proxy(target as object, {
      get(t, prop) {
        if (prop === releaseProxy) return close;
        if (prop === createEndpoint) return () => Promise.reject(new UnsupportedError('createEndpoint is not supported by crosslock/service: a raw port escapes epochs and timeouts'));
        // The root is not a promise (comlink would hand out its raw proxy through `then`).
        if (prop === 'then') return root ? undefined : Reflect.get(t, prop);
        const value = Reflect.get(t, prop) as unknown;
        return typeof value === 'function' ? wrapProxy(value, false) : value;
      },
      // `remote.method.bind(x)` (comlink answers it with a raw proxy) and calls: what comes back stays guarded.
      apply(t, thisArg, args) {
        const value = Reflect.apply(t as (...a: unknown[]) => unknown, thisArg, args);
        return typeof value === 'function' ? wrapProxy(value, false) : value;
      },
    });
  return wrapProxy(remote, true) as R;
}
