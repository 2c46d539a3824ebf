/**
 * The clocks of a Redis lease manager (see lease/clock.ts for their roles).
 *
 * Hosts' wall clocks differ, so lease expiries are written in REDIS time: the rule gets `now` from the
 * `TIME` read in the same script as the record (store.ts), never from this process. The manager still
 * needs "now" between two reads (a handed-over lease's remaining time, `query()` pruning), so `now()`
 * estimates Redis time as the monotonic clock plus an offset measured at each read:
 *
 *   offset = redisTime - mono(when the read was SENT)
 *
 * Redis read its clock after the request left, so the estimate is never behind Redis time (as long as
 * both clocks run at the same rate): it errs on the side of a lease looking shorter, never longer. It
 * follows each read, so a step of Redis's clock is picked up at the next one. Until the first read the
 * local wall clock stands in; no deadline rests on it (a grant's wall deadline is the expiry Redis stored,
 * lease/holders.ts).
 *
 * A holder's safety does not rest on this estimate: its monotonic deadline (the attempt's start + its
 * lease, both on this process's monotonic clock) passes no later than the expiry Redis stored, measured
 * in real time, because the attempt started before Redis read `TIME`. That holds as long as Redis's own
 * clock does not jump forward; if it does, others may take the lock early, and fenced writes (checked
 * in Redis against Redis's clock) are what refuse the old holder.
 */
import type { Clock } from '../../lease/clock.js';

export class RedisClock implements Clock {
  #offset: number | undefined;
  /** Redis time minus the WALL clock when the read was sent (see now()). */
  #wallOffset = 0;
  /** Redis time minus mono() when the read's answer ARRIVED: Redis read its clock before that. */
  #lowerOffset: number | undefined;

  mono(): number {
    return performance.now();
  }

  /**
   * An estimate of Redis time never behind it: the later of the monotonic and the wall-clock estimates,
   * each an upper bound. The wall clock is there for a machine that was SUSPENDED (a laptop asleep, a VM
   * paused): the monotonic clock (CLOCK_MONOTONIC) does not count suspend, the wall clock does, so a
   * holder asleep past its lease is told at once when it wakes. A wall clock stepped forward only makes
   * leases look shorter; one stepped back is outweighed by the monotonic estimate.
   */
  now(): number {
    const wall = Date.now() + this.#wallOffset;
    return this.#offset === undefined ? wall : Math.max(this.mono() + this.#offset, wall);
  }

  /**
   * A time Redis has certainly reached (a lower bound: its clock was read before the last answer
   * arrived, and the monotonic clock never runs ahead of real time), or `undefined` before the first
   * read. For decisions that must never run ahead of Redis (store.ts: a release pruning expired entries).
   */
  lower(): number | undefined {
    return this.#lowerOffset === undefined ? undefined : this.mono() + this.#lowerOffset;
  }

  /** A read sent at `sentMono` and answered at `answeredMono` (this clock's `mono()`) saw Redis time `redisNow`. */
  observe(redisNow: number, sentMono: number, answeredMono = this.mono()): void {
    this.#offset = redisNow - sentMono;
    this.#wallOffset = redisNow - (Date.now() - (answeredMono - sentMono));
    this.#lowerOffset = redisNow - answeredMono;
  }
}
