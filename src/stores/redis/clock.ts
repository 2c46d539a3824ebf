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
 * local wall clock stands in.
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
  /** Redis time minus mono() when the read's answer ARRIVED: Redis read its clock before that. */
  #lowerOffset: number | undefined;

  mono(): number {
    return performance.now();
  }

  now(): number {
    return this.#offset === undefined ? Date.now() : this.mono() + this.#offset;
  }

  /**
   * A time Redis has certainly reached (a lower bound: its clock was read before the last answer
   * arrived), or `undefined` before the first read. For decisions that must never run ahead of Redis
   * (store.ts: a release pruning expired entries).
   */
  lower(): number | undefined {
    return this.#lowerOffset === undefined ? undefined : this.mono() + this.#lowerOffset;
  }

  /** A read sent at `sentMono` and answered at `answeredMono` (this clock's `mono()`) saw Redis time `redisNow`. */
  observe(redisNow: number, sentMono: number, answeredMono = this.mono()): void {
    this.#offset = redisNow - sentMono;
    this.#lowerOffset = redisNow - answeredMono;
  }
}
