/**
 * The order in which `WebLocksPolyfill` runs its callbacks: REQUEST ORDER among the requests the lock
 * manager can grant at once, across names, as the Web Locks spec's lock manager does (it takes requests
 * one at a time, in the order they were made, and "process the lock request queue" grants each one that
 * can be, its callback queued as it is; a request that must wait holds up no later one). Three shared
 * requests of `a`, an exclusive one of `a`, then one of `b`: `s1, s2, s3, b`, and the exclusive one last.
 *
 * Why the polyfill orders them itself: the lease manager answers requests in the order its updates end,
 * which is not always request order. It keeps at most two updates of one name in flight (lease/waiting.ts:
 * a request made while both are under way is asked for once the round in flight ends), so the third
 * shared request of `a` was decided after `b`'s, which had started meanwhile: `s1, s2, b, s3`.
 *
 * The rule: a request takes its place when it is made (`place`); once answered (a grant, or `null` for
 * ifAvailable: `ready`), it runs when every earlier request has run, has failed (`drop`), or is known to
 * wait. Known to wait: still unanswered after a BARRIER, two readonly transactions of the lease store one
 * after the other, started once a later request was answered. Every earlier request reached the lease
 * manager before that answer (the polyfill makes its lease-name lookups in request order), and IndexedDB
 * starts a transaction only after every overlapping readwrite one created before it has ended: the first
 * ends after every update then under way, among them the round a deferred request waited for, whose end
 * started that request's own update (waiting.ts; the spec cases fail if that changes); the second ends
 * after that update. So an earlier request the lease manager could grant has been answered by then, and
 * runs first; one still unanswered was refused, and runs when granted, holding no one up.
 *
 * INVARIANT: every answered request runs, in place order, after at most one barrier (a barrier clears
 * every request placed before the answer it was started for, so each request is waited for once); a
 * barrier that fails counts as ended (the order is then the lease manager's; the locks stay correct).
 * The cost: nothing while answers come in request order (one request at a time, or requests that all
 * wait); else two readonly transactions of latency for the answer held up, once per request it waits for.
 */
export class Turns {
  #made = 0;
  /** The requests that have not run, in place order (a Map keeps insertion order), with how to run them once answered. */
  readonly #open = new Map<number, (() => void) | undefined>();
  /** Every unanswered request placed before this one is known to wait (a barrier ended). */
  #cleared = 0;
  /** The latest answered request a barrier was started for. */
  #barrierFor = -1;

  constructor(private readonly barrier: () => Promise<unknown>) {}

  /** A place in request order: called when the request is made, before anything it awaits. */
  place(): number {
    this.#open.set(this.#made, undefined);
    return this.#made++;
  }

  /** The request `turn` was answered: `go` is called (at once, or later) when its callback may run. */
  ready(turn: number, go: () => void): void {
    this.#open.set(turn, go);
    this.#run();
  }

  /** The request `turn` failed (rejected, aborted): it holds no one up. */
  drop(turn: number): void {
    this.#open.delete(turn);
    this.#run();
  }

  #run(): void {
    let waiting = false;
    let held: number | undefined;
    for (const [turn, go] of this.#open) {
      if (go && !waiting) {
        this.#open.delete(turn);
        go();
      } else if (go) held = turn;
      else if (turn >= this.#cleared) waiting = true;
    }
    if (held === undefined || held <= this.#barrierFor) return;
    const upTo = (this.#barrierFor = held);
    const done = (): void => {
      this.#cleared = Math.max(this.#cleared, upTo);
      this.#run();
    };
    this.barrier().then(done, done);
  }
}
