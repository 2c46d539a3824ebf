/**
 * A client's calls, by state, with no I/O: the rule that makes a service call run at most once per
 * epoch, and never run twice without its caller knowing.
 *
 * A call is `queued` (no host has it), `sent` (posted to the host of one epoch, no word yet) or
 * `accepted` (that host said it runs it). Invariants:
 * 1. A call is posted to a host only from `queued`, and leaves `queued` for exactly one epoch.
 * 2. It goes back to `queued` only when the host that got it said it did NOT run it (`refused`) and it
 *    carries no transferred objects (those went to the refusing host and cannot be sent again).
 * 3. When the host of an epoch goes away, every call `sent` to it or `accepted` by it ends (the caller
 *    gets `ServiceGoneError`, with `accepted`); `queued` calls stay, for the next host.
 *    A `sent` call is not sent again: the host may have started it and died before its `ack` arrived.
 * 4. A call ends once (reply, timeout, gone, close, refused with transfers); later news of it is ignored.
 */
export type CallState = 'queued' | 'sent' | 'accepted';

export interface Call<P> {
  readonly id: string;
  readonly payload: P;
  /** Whether the call moves objects (ports, buffers) to the host: then it can be posted once only. */
  readonly transfers: boolean;
  state: CallState;
  /** The epoch it was sent to (`sent`, `accepted`); `undefined` while `queued` and never sent. */
  epoch: number | undefined;
}

export class CallTable<P> {
  readonly #calls = new Map<string, Call<P>>();

  get size(): number {
    return this.#calls.size;
  }

  get(id: string): Call<P> | undefined {
    return this.#calls.get(id);
  }

  /** A new call, queued. */
  add(id: string, payload: P, transfers: boolean): Call<P> {
    const call: Call<P> = { id, payload, transfers, state: 'queued', epoch: undefined };
    this.#calls.set(id, call);
    return call;
  }

  hasQueued(): boolean {
    for (const call of this.#calls.values()) if (call.state === 'queued') return true;
    return false;
  }

  /** The queued calls, in the order they were made, now `sent` to the host of `epoch`: post them. */
  send(epoch: number): Array<Call<P>> {
    const out: Array<Call<P>> = [];
    for (const call of this.#calls.values()) {
      if (call.state !== 'queued') continue;
      call.state = 'sent';
      call.epoch = epoch;
      out.push(call);
    }
    return out;
  }

  /** The host of `epoch` took call `id`. False when that is news of no call of ours in that epoch. */
  accepted(id: string, epoch: number): boolean {
    const call = this.#calls.get(id);
    if (!call || call.epoch !== epoch || call.state !== 'sent') return false;
    call.state = 'accepted';
    return true;
  }

  /**
   * The host of `epoch` did not run call `id`: `'queued'` again (send it to the next host), or `'ended'`
   * when it cannot be sent again (it transferred objects): the caller must be told. `'ignored'`: not ours.
   */
  refused(id: string, epoch: number): 'queued' | 'ended' | 'ignored' {
    const call = this.#calls.get(id);
    if (!call || call.epoch !== epoch || call.state !== 'sent') return 'ignored';
    if (call.transfers) {
      this.#calls.delete(id);
      return 'ended';
    }
    call.state = 'queued';
    call.epoch = undefined;
    return 'queued';
  }

  /** The host of `epoch` went away: the calls it had end now (tell their callers); queued ones stay. */
  gone(epoch: number): Array<Call<P>> {
    const ended: Array<Call<P>> = [];
    for (const call of this.#calls.values()) {
      if (call.state !== 'queued' && call.epoch === epoch) {
        this.#calls.delete(call.id);
        ended.push(call);
      }
    }
    return ended;
  }

  /** Ends call `id` (answered, timed out): the call as it was, or `undefined` if it had already ended. */
  end(id: string): Call<P> | undefined {
    const call = this.#calls.get(id);
    this.#calls.delete(id);
    return call;
  }

  /** Ends every call (the client closed). */
  endAll(): Array<Call<P>> {
    const all = [...this.#calls.values()];
    this.#calls.clear();
    return all;
  }
}
