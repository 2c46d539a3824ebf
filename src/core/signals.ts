/**
 * Signals and waits for the coordination layers (leader, service, backup), without `AbortSignal.any`
 * (Chrome 116, Firefox 124, Safari 17.4), so they run wherever their manager runs (the lease backend is
 * there for older browsers), and a capped backoff for campaigns that must never die of one failure.
 *
 * - `anySignal(sources)`: one signal aborted, with the first source's reason, when any source aborts.
 *   `dispose()` removes every listener it added (call it when the wait is over: a long-lived caller
 *   signal keeps nothing); once a source aborted they are removed already. One source: that signal
 *   itself, no listener. (`waitScope` in wait.ts does this and a timeout; this one is for bundles without it.)
 * - `pause(ms, signal)`: resolves after `ms`, or at once when `signal` aborts; its timer and listener
 *   are removed either way. It never rejects (the caller looks at `signal` afterwards).
 * - `retryInMs(failures)`: the wait after the `failures`-th failure in a row (1, 2, ...): `FIRST_RETRY_MS`
 *   = 100 ms, doubling, capped at `MAX_RETRY_MS` = 5 s. 100 ms: a failed storage update is often one
 *   aborted transaction, worth trying again soon, but never at once (a lock asked for again at once,
 *   failing each time, loops hundreds of times a second). 5 s: a store that heals has a leader (a host,
 *   a backup writer) again within 5 s, well inside a service call's 30 s default timeout and under the
 *   10 s in which a frozen leader is replaced, while a store that stays down costs one attempt and one
 *   `'error'` event every 5 s.
 */
/** A composed signal and how to let go of its sources. */
export interface AnySignal {
  readonly signal: AbortSignal;
  dispose(): void;
}

export const FIRST_RETRY_MS = 100;
export const MAX_RETRY_MS = 5000;

/** A signal aborted when any of `sources` aborts (see the module comment); `dispose()` when done. */
export function anySignal(sources: readonly (AbortSignal | undefined)[]): AnySignal {
  const live = sources.filter((s): s is AbortSignal => s !== undefined);
  if (live.length === 1) return { signal: live[0]!, dispose: () => {} };
  const controller = new AbortController();
  const offs: Array<() => void> = [];
  const dispose = (): void => offs.splice(0).forEach((off) => off());
  for (const source of live) {
    if (source.aborted) {
      dispose();
      controller.abort(source.reason);
      break;
    }
    const onAbort = (): void => (dispose(), controller.abort(source.reason));
    source.addEventListener('abort', onAbort, { once: true });
    offs.push(() => source.removeEventListener('abort', onAbort));
  }
  return { signal: controller.signal, dispose };
}

/** Resolves after `ms`, or at once when `signal` aborts (its listener and timer removed either way). */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** How long a campaign waits after its `failures`-th failure in a row (1, 2, ...). Pure. */
export function retryInMs(failures: number): number {
  return Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(Math.max(failures, 1) - 1, 16));
}
