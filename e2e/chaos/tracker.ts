/**
 * Invariant 9's bookkeeping: every promise the driver starts is tracked with a label, so the end of a
 * run can wait for all of them (an event: `Promise.allSettled`), bounded by a deadline that only serves
 * to name the ones that never settle instead of hanging the run.
 */
export interface Tracked {
  readonly label: string;
  readonly promise: Promise<void>;
  readonly done: boolean;
}

export class Tracker {
  readonly all: Tracked[] = [];

  /** Tracks `promise`; the returned promise never rejects (`onError` gets the reason). */
  track(label: string, promise: Promise<unknown>, onError: (error: unknown) => void): Tracked {
    const entry = { label, done: false, promise: Promise.resolve() };
    entry.promise = promise.then(
      () => void (entry.done = true),
      (error: unknown) => {
        entry.done = true;
        onError(error);
      },
    );
    this.all.push(entry);
    return entry;
  }

  get settled(): number {
    return this.all.filter((t) => t.done).length;
  }

  /** Waits until every promise tracked so far has settled, or `ms` passed; returns the labels still pending. */
  async pendingAfter(ms: number): Promise<string[]> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
    await Promise.race([Promise.allSettled(this.all.map((t) => t.promise)), deadline]);
    clearTimeout(timer);
    return this.all.filter((t) => !t.done).map((t) => t.label);
  }
}
