/**
 * The two clocks of the lease protocol.
 *
 * - `now()`: wall-clock ms (`Date.now()`), the only time shared by every tab of a machine, so stored
 *   expiries use it. It can jump (NTP, a user changing the time, a VM resumed).
 * - `mono()`: monotonic ms (`performance.now()`), which never jumps but means nothing to other tabs.
 *
 * A holder keeps a deadline on each and counts itself expired when EITHER passes: a wall clock
 * stepped back cannot keep a stalled holder "held" while other tabs (that see its stored expiry pass)
 * took over. Both are read at call time, never cached, so a page that replaces `Date.now` (tests, the
 * chaos suite's clock jumps) is seen at once.
 */
export interface Clock {
  now(): number;
  mono(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  mono: () => (typeof performance === 'undefined' ? Date.now() : performance.now()),
};
