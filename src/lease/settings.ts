/**
 * Timing settings of the lease protocol, each with its default and why it has that value.
 * Correctness never rests on these timers: a holder that misses its lease is told (its guard's signal
 * aborts), and writes are fenced by generation (see FencedStore). The values trade failover speed
 * against the risk of losing a lease to a slow tab. Managers sharing a store may use different
 * settings: each lease entry carries its own length (see record.ts).
 */
import { OptionRangeError } from '../core/errors.js';
import { msOption } from '../core/options.js';
import { MAX_LEASE_MS } from './record.js';

export interface LeaseOptions {
  /**
   * How long a grant lasts without renewal, ms. Default 1500: a crashed holder's lock passes on within
   * 1.5 s (the failover target is 2 s), while a live holder has three renewals (see `renewMs`) to keep
   * it, so one late tick (a long task, a 1-second throttled timer) does not lose it. At most 1 hour.
   * @example { leaseMs: 5000 } // slower failover, more tolerance for busy tabs
   */
  leaseMs?: number;
  /**
   * How often holders renew and waiters refresh their place, ms. Default 500: a third of the lease.
   * At most half of `leaseMs` (a lease needs two chances to be renewed). Waiting requests also retry
   * at least this often, the safety net for a lost wake-up message.
   */
  renewMs?: number;
  /**
   * First retry delay of a waiting request when no wake-up message comes, ms, doubling up to `renewMs`.
   * Default 20: a lost message costs little, and a busy lock is not hammered.
   */
  retryMs?: number;
}

export interface LeaseSettings {
  readonly leaseMs: number;
  readonly renewMs: number;
  readonly retryMs: number;
}

export const LEASE_DEFAULTS: LeaseSettings = { leaseMs: 1500, renewMs: 500, retryMs: 20 };

/** Checks the lease options (already known to be an object with allowed keys). */
export function leaseSettings(o: Record<string, unknown>): LeaseSettings {
  const settings = {
    leaseMs: msOption('leaseMs', o.leaseMs, LEASE_DEFAULTS.leaseMs, MAX_LEASE_MS),
    renewMs: msOption('renewMs', o.renewMs, LEASE_DEFAULTS.renewMs),
    retryMs: msOption('retryMs', o.retryMs, LEASE_DEFAULTS.retryMs),
  };
  if (settings.renewMs * 2 > settings.leaseMs) {
    throw new OptionRangeError('renewMs', `must be at most half of leaseMs (${settings.leaseMs}), got ${settings.renewMs}: a lease needs two chances to be renewed`);
  }
  return settings;
}

/**
 * How long a call that must answer at once (`tryLock()`, `timeout: 0`) waits for an ORDERED store
 * (IndexedDB), ms, before it answers "not available" (null). One tab stopped inside a transaction (a
 * debugger pause, a frozen page) holds the store for every tab, and once it runs again every transaction
 * queued meanwhile drains first: `npm run chaos` (leases, 20,000 steps, seed 3066229778) saw tryLock()
 * answer 2.1–2.3 s after such a pause ended. 1 s is 20–50 times a transaction on a loaded 2-core machine,
 * so a store that is merely busy still answers; a late grant is released at once. Unordered stores (Redis)
 * do not queue behind one client, and their failures are errors the caller must see.
 */
export const TRY_ANSWER_MS = 1000;

/** `decision`, or `undefined` when it has not come within `ms`. */
export function answered<T>(decision: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(resolve, ms, undefined)));
  return Promise.race([decision, late]).finally(() => clearTimeout(timer));
}
