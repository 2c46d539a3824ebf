/**
 * The heartbeat: one tick every `interval` ms for lease renewal and waiting requests.
 *
 * In a hidden tab Chrome runs a page's timers at most once a second, and after a few minutes hidden at
 * most once a minute ("intensive wake up throttling", https://chromestatus.com/feature/4718288976216064,
 * crbug.com/1075553; it applies to timers of a Window). A lease renewed by page timers would lapse
 * there. Timers in a dedicated worker are not throttled that way, and the worker's `postMessage` to the
 * page is an ordinary task, not a timer. So ticks come from a tiny inline worker (a Blob URL: no file
 * for the app's bundler to find) when one can be made, and from page timers otherwise (no Worker, or a
 * Content-Security-Policy without `worker-src blob:`), where a long-hidden tab may lose its lease: the
 * holder is then told through its guard's signal.
 *
 * A frozen tab (Page Lifecycle "frozen") runs neither; its lease expires, which is the point.
 */

const WORKER_SOURCE = 'let t;onmessage=e=>{clearInterval(t);if(e.data>0)t=setInterval(()=>postMessage(0),e.data)}';

export class Ticker {
  readonly #listeners = new Set<() => void>();
  #stop: (() => void) | undefined;

  constructor(private readonly interval: number) {}

  /**
   * Calls `listener` on every tick until the returned function is called. Ticks stop one whole
   * interval after the last listener left (checked on the tick itself, no extra timer): a tab that
   * takes and releases locks in a loop must not start and end a worker on every lock.
   */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    this.#stop ??= this.#start();
    return () => void this.#listeners.delete(listener);
  }

  /** Stops ticking now (the owner is closing). */
  stop(): void {
    this.#listeners.clear();
    this.#stop?.();
    this.#stop = undefined;
  }

  #tick = (): void => {
    if (this.#listeners.size === 0) this.stop();
    for (const listener of [...this.#listeners]) listener();
  };

  /**
   * Ticks until the returned function is called, except while the page is in the back/forward cache
   * (from a `persisted` pagehide to the pageshow that restores it): a tick delivered to a cached page
   * may get it evicted ("IgnoreEventAndEvict"), and a cached page has nothing to renew.
   */
  #start(): () => void {
    let end = this.#run();
    if (typeof document === 'undefined' || typeof addEventListener !== 'function') return end;
    const onHide = (event: PageTransitionEvent): void => {
      if (event.persisted) (end(), (end = () => {}));
    };
    const onShow = (event: PageTransitionEvent): void => {
      if (event.persisted) (end(), (end = this.#run()));
    };
    addEventListener('pagehide', onHide);
    addEventListener('pageshow', onShow);
    return () => {
      removeEventListener('pagehide', onHide);
      removeEventListener('pageshow', onShow);
      end();
    };
  }

  #run(): () => void {
    const worker = workerTicks(this.interval, this.#tick);
    if (worker) return worker;
    const timer = setInterval(this.#tick, this.interval);
    return () => clearInterval(timer);
  }
}

function workerTicks(interval: number, tick: () => void): (() => void) | undefined {
  const scope = globalThis as { Worker?: typeof Worker; Blob?: typeof Blob; URL?: typeof URL; document?: unknown };
  if (!scope.Worker || !scope.Blob || !scope.URL?.createObjectURL || !scope.document) return undefined;
  let url: string | undefined;
  try {
    url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
    const worker = new Worker(url);
    let fallback: ReturnType<typeof setInterval> | undefined;
    worker.onmessage = tick;
    // A Content-Security-Policy without `worker-src blob:` usually fails the worker with an error event
    // rather than an exception: fall back to page timers then.
    worker.onerror = (event) => {
      event.preventDefault();
      fallback ??= setInterval(tick, interval);
    };
    worker.postMessage(interval);
    return () => {
      worker.terminate();
      URL.revokeObjectURL(url!);
      if (fallback !== undefined) clearInterval(fallback);
    };
  } catch {
    if (url) URL.revokeObjectURL(url);
    return undefined; // Workers unavailable or forbidden: page timers instead.
  }
}
