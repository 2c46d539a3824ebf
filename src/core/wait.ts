/**
 * One signal for one wait: aborted by the caller's signal, by the manager closing, or by the timeout,
 * whichever comes first. `dispose()` clears the timer and removes every listener it added, so a wait
 * leaves nothing behind on a long-lived caller signal.
 *
 * Why not `AbortSignal.timeout()` + `AbortSignal.any()`: the timeout's timer cannot be cleared (a lock
 * granted at once would still leave a live timer per call) and it is invisible to fake timers, so tests
 * could not control time. A plain `setTimeout` has neither problem.
 */

/**
 * setTimeout's largest delay, 2^31-1 ms (about 24.8 days): a larger delay overflows and fires at once
 * (HTML spec "timer initialisation steps"; Node does the same). Longer timeouts re-arm in steps.
 */
export const MAX_TIMER_DELAY = 2 ** 31 - 1;

export interface WaitScope {
  readonly signal: AbortSignal;
  dispose(): void;
}

export function waitScope(
  sources: readonly (AbortSignal | undefined)[],
  timeout: number,
  timeoutReason: () => unknown,
): WaitScope {
  const live = sources.filter((s): s is AbortSignal => s !== undefined);
  // One source and no timer: that signal already is the answer. No controller, no listener (hot path
  // of lock(name, { timeout: Infinity }), where the only source is the manager's close signal).
  if (live.length === 1 && !Number.isFinite(timeout)) return { signal: live[0]!, dispose: ignore };

  const controller = new AbortController();
  const listeners: Array<[AbortSignal, () => void]> = [];
  let timer: ReturnType<typeof setTimeout> | undefined;

  const dispose = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    for (const [source, listener] of listeners.splice(0)) source.removeEventListener('abort', listener);
  };
  const abort = (reason: unknown): void => {
    dispose();
    if (!controller.signal.aborted) controller.abort(reason);
  };
  const arm = (remaining: number): void => {
    const delay = Math.min(remaining, MAX_TIMER_DELAY);
    timer = setTimeout(() => (remaining > delay ? arm(remaining - delay) : abort(timeoutReason())), delay);
  };

  for (const source of live) {
    if (source.aborted) {
      abort(source.reason);
      return { signal: controller.signal, dispose };
    }
    const listener = (): void => abort(source.reason);
    source.addEventListener('abort', listener, { once: true });
    listeners.push([source, listener]);
  }
  if (Number.isFinite(timeout)) arm(timeout);
  return { signal: controller.signal, dispose };
}

/**
 * `acquiring`, unless `signal` aborts first: then its reason at once, and a guard that still arrives goes
 * to `late` (which releases it; the caller never saw it). A backend may be past the point where the signal stops it (Web Locks granted, the generation
 * being written to IndexedDB, which a tab paused in the middle of a transaction holds up for as long as it
 * is paused): the caller's timeout and abort still hold (`npm run chaos`, web-locks, 20,000 steps, seed
 * 3066229778: two calls settled 2.7 s late, on time after this).
 */
export function settledBy<G>(acquiring: Promise<G | null>, signal: AbortSignal, late: (guard: G) => void): Promise<G | null> {
  return signal.aborted
    ? acquiring
    : new Promise((resolve, reject) => {
        let settled = false;
        const onAbort = (): void => {
          if (settled) return; // fulfilled first: the caller has the guard
          settled = true;
          reject(signal.reason);
          void acquiring.then((guard) => guard && late(guard), ignore);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        acquiring.then(
          (guard) => {
            signal.removeEventListener('abort', onAbort);
            if (settled) return; // aborted first: `late` takes it
            settled = true;
            resolve(guard);
          },
          (error: unknown) => {
            signal.removeEventListener('abort', onAbort);
            if (!settled) (settled = true), reject(error);
          },
        );
      });
}

const ignore = (): void => {};
