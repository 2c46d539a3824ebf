/**
 * Options of the IndexedDB lease backend, each with its default and why it has that value.
 * Correctness never rests on these timers: a holder that misses its lease is told (its guard's signal
 * aborts), and writes are fenced by generation (see FencedStore). The values trade failover speed
 * against the risk of losing a lease to a slow tab.
 */
import { InvalidOptionError, OptionRangeError, describe } from '../core/errors.js';
import { checkObject } from '../core/options.js';

export interface IndexedDbLockManagerOptions {
  /** Namespace for every name of this manager: `<prefix>.<name>`. Default: none. */
  prefix?: string;
  /**
   * The IndexedDB database holding the lease records. Managers sharing it exclude each other.
   * Default `'crosslock'`. @example { database: 'wallet-locks' }
   */
  database?: string;
  /**
   * How long a grant lasts without renewal, ms. Default 1500: a crashed holder's lock passes on within
   * 1.5 s (the failover target is 2 s), while a live holder has three renewals (see `renewMs`) to keep
   * it, so one late tick (a long task, a 1-second throttled timer) does not lose it.
   * @example { leaseMs: 5000 } // slower failover, more tolerance for busy tabs
   */
  leaseMs?: number;
  /**
   * How often holders renew and waiters refresh their place, ms. Default 500: a third of the lease.
   * Waiting requests also retry at least this often, the safety net for a lost wake-up message.
   */
  renewMs?: number;
  /**
   * First retry delay of a waiting request when no wake-up message comes, ms, doubling up to `renewMs`.
   * Default 20: a lost message costs little, and a busy lock is not hammered.
   */
  retryMs?: number;
  /**
   * How long opening the database may stay blocked by another tab's old connection, ms. Default 5000:
   * past that, calls fail with `StorageError('blocked')` instead of hanging.
   */
  openTimeoutMs?: number;
}

export interface LeaseSettings {
  prefix: unknown;
  database: string;
  leaseMs: number;
  renewMs: number;
  retryMs: number;
  openTimeoutMs: number;
}

export const DEFAULTS = { database: 'crosslock', leaseMs: 1500, renewMs: 500, retryMs: 20, openTimeoutMs: 5000 } as const;

const KEYS = ['prefix', 'database', 'leaseMs', 'renewMs', 'retryMs', 'openTimeoutMs'];

function positive(options: Record<string, unknown>, key: keyof typeof DEFAULTS): number {
  const value = options[key] ?? DEFAULTS[key];
  if (typeof value !== 'number') throw new InvalidOptionError(key, `must be a number of ms, got ${describe(value)}`);
  if (!(value > 0) || !Number.isFinite(value)) throw new OptionRangeError(key, `must be a finite number > 0, got ${value}`);
  return value;
}

export function leaseSettings(options: unknown): LeaseSettings {
  const o = checkObject(options, KEYS, 'new IndexedDbLockManager()');
  const database = o.database ?? DEFAULTS.database;
  if (typeof database !== 'string' || database.length === 0) {
    throw new InvalidOptionError('database', `must be a non-empty string, got ${describe(database)}`);
  }
  const settings = {
    prefix: o.prefix,
    database,
    leaseMs: positive(o, 'leaseMs'),
    renewMs: positive(o, 'renewMs'),
    retryMs: positive(o, 'retryMs'),
    openTimeoutMs: positive(o, 'openTimeoutMs'),
  };
  if (settings.renewMs * 2 > settings.leaseMs) {
    throw new OptionRangeError('renewMs', `must be at most half of leaseMs (${settings.leaseMs}), got ${settings.renewMs}: a lease needs two chances to be renewed`);
  }
  return settings;
}
