/**
 * A client's calls, by state, with no I/O: the rule that makes a service call run at most once per
 * epoch, and never run twice without its caller knowing.
 *
 * A call is `queued` (no host has it), `sent` (posted to one host, no word yet) or `accepted` (that host
 * said it runs it). A host is one start of serving (its id is new each time it starts, even in the same
 * epoch). A host answers `ack` BEFORE it runs a call, and messages from one host on one route arrive in
 * the order it sent them (a MessagePort; a BroadcastChannel's messages from one sender; the in-realm
 * bus). Two routes (a port and the channel) have no order between them, so a call's `ack` on the port
 * may come after the host's `down` on the channel: a clean stop only counts for the calls sent by the
 * route it came on (each call's answers come back by the route it went). Invariants:
 * 1. A call is posted only from `queued`, and leaves `queued` for exactly one host.
 * 2. It goes back to `queued` only when that host cannot have run it:
 *    - it answered `refused` (it did not run it), or
 *    - it stopped cleanly (`down`, or a `refused` that says it no longer serves), and no `ack` for the call
 *      came before: an ack precedes any run and would have arrived first, and a host that stopped never
 *      runs a call again;
 *    and the call carries no transferred objects (those went to that host and cannot be sent again), and
 *    that word came by the route the call went.
 * 3. When a host is gone without a word (crashed: its alive lock was granted to the client; or replaced
 *    by a newer epoch while it may still be frozen), every call `sent` to it or `accepted` by it ends
 *    (the caller gets `ServiceGoneError` with `accepted`): a `sent` call may have started and its `ack`
 *    died with the host. Such calls are never sent again.
 * 4. A call ends once (reply, timeout, gone, close, refused with transfers); later news of it is ignored.
 */
export type CallState = 'queued' | 'sent' | 'accepted';

export interface Call<P> {
  readonly id: string;
  readonly payload: P;
  /** Whether the call moves objects to the host: then it can be posted once only. */
  readonly transfers: boolean;
  state: CallState;
  /** The host (one start of serving) it was sent to; `undefined` while `queued`. */
  host: string | undefined;
  /** That host's epoch, for the errors it may end with. */
  epoch: number | undefined;
  /** The route it went by ('port', 'channel'): its answers come back by it. */
  route: string | undefined;
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
    const call: Call<P> = { id, payload, transfers, state: 'queued', host: undefined, epoch: undefined, route: undefined };
    this.#calls.set(id, call);
    return call;
  }

  hasQueued(): boolean {
    for (const call of this.#calls.values()) if (call.state === 'queued') return true;
    return false;
  }

  /** The queued calls, in the order they were made, now `sent` to `host` (of `epoch`) by `route`: post them. */
  send(host: string, epoch: number, route = ''): Array<Call<P>> {
    const out: Array<Call<P>> = [];
    for (const call of this.#calls.values()) {
      if (call.state !== 'queued') continue;
      Object.assign(call, { state: 'sent', host, epoch, route });
      out.push(call);
    }
    return out;
  }

  /** `host` took call `id`. False when that is news of no call of ours sent to it. */
  accepted(id: string, host: string): boolean {
    const call = this.#calls.get(id);
    if (!call || call.host !== host || call.state !== 'sent') return false;
    call.state = 'accepted';
    return true;
  }

  /**
   * `host` did not run call `id`: `'queued'` again (send it to the next host), or `'ended'` when it cannot
   * be sent again (it transferred objects): tell the caller. `'ignored'`: not ours, or not sent to it.
   */
  refused(id: string, host: string): 'queued' | 'ended' | 'ignored' {
    const call = this.#calls.get(id);
    if (!call || call.host !== host || call.state !== 'sent') return 'ignored';
    return this.#requeue(call) ? 'queued' : 'ended';
  }

  /**
   * `host` is gone. `clean`: it said so itself, by route `clean` (it ran nothing it had not acked, and its
   * acks by that route came before): accepted calls end, calls sent by that route go back to the queue (or
   * end, if they transferred objects). Not clean (`false`): every call it had ends. Returns the calls that
   * ended (tell their callers); queued calls stay.
   */
  gone(host: string, clean: string | false): Array<Call<P>> {
    const ended: Array<Call<P>> = [];
    for (const call of [...this.#calls.values()]) {
      if (call.host !== host || call.state === 'queued') continue;
      if (clean !== false && call.route === clean && call.state === 'sent' && this.#requeue(call)) continue;
      this.#calls.delete(call.id);
      ended.push(call);
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

  /** Back to the queue, unless it transferred objects (then it is removed: false). */
  #requeue(call: Call<P>): boolean {
    if (call.transfers) {
      this.#calls.delete(call.id);
      return false;
    }
    Object.assign(call, { state: 'queued', host: undefined, epoch: undefined, route: undefined });
    return true;
  }
}
