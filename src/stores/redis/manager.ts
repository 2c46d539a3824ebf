/**
 * `RedisLockManager`: the lease protocol (lease/manager.ts, the same code as the IndexedDB backend) over
 * Redis, for Node processes on one host or many. Scope `'cluster'`: every process sharing the Redis
 * server and the `database` name excludes every other.
 *
 * What differs from IndexedDB is only wiring: the store is `RedisLeaseStore` (read → rule → CAS, with
 * `now` from Redis `TIME`, so hosts' clocks never meet), the bus Redis pub/sub (waiters are woken, not
 * polling; the leader election's announcements ride the same connection, see `[CLUSTER_CHANNEL]`), the clock `RedisClock` (Redis time estimated between reads), the heartbeat Node's timers.
 * A waiting `lock()` outlives Redis being unreachable (it retries until its timeout), and so does a
 * held lease until its own end (renewals retry on each tick); a client closed for good fails both at once
 * (`StorageError`, `LockLostError('renewal-failed')`).
 *
 * After Redis lost its records (restarted without persistence, flushed, keys evicted; a new database looks
 * the same), nothing is granted for `maxLeaseMs` (scripts.ts `born`): the holders of before have no record
 * left, and each is told at its next renewal, which finds none.
 *
 * Defaults, and why they differ from the browser's (1.5 s / 0.5 s): `leaseMs` 5000, because a daemon's
 * event loop can be busy for a second or two (signing, a large JSON parse, a GC pause) and must not lose
 * its lock for that, while a crashed process's lock still passes on within 5 s; `renewMs` a fifth of the
 * lease (1000), so four renewals can fail in a row (a slow command, a failover) before the lease lapses.
 */
import { CLUSTER_CHANNEL, type ClusterChannel } from '../../core/channel.js';
import { InvalidOptionError, OptionRangeError } from '../../core/errors.js';
import { checkObject, databaseOption, msOption } from '../../core/options.js';
import { LeaseLockManager } from '../../lease/manager.js';
import { PROTOCOL_VERSION } from '../../lease/messages.js';
import { MAX_LEASE_MS } from '../../lease/record.js';
import { leaseSettings, type LeaseOptions } from '../../lease/settings.js';
import { Ticker } from '../indexeddb/ticker.js';
import { redisBus } from './bus.js';
import { commandsOf, type RedisClient } from './client.js';
import { RedisClock } from './clock.js';
import { keysOf } from './scripts.js';
import { RedisLeaseStore } from './store.js';
import { Subscriber } from './subscriber.js';

export interface RedisLockManagerOptions extends LeaseOptions {
  /**
   * A connected node-redis client (`await createClient({ url }).connect()`), v5 or later. The manager
   * sends its commands through it and opens one more connection for pub/sub (`client.duplicate()`),
   * closed by `close()`; the client itself stays the app's to close.
   */
  client: RedisClient;
  /** Namespace for every name (full names `<prefix>+<name>`, core/names.ts). Default: none. */
  prefix?: string;
  /** Which set of lock records in the Redis server: managers sharing it exclude each other. Default `'crosslock'`. */
  database?: string;
  /**
   * The longest `leaseMs` of any manager sharing this database, ms. Default: this manager's `leaseMs`.
   * Redis can lose its records under a live holder (restarted without persistence, FLUSHALL, keys
   * evicted), and a new database looks the same: from the first update that finds the records gone,
   * nothing is granted for `maxLeaseMs`, so every lease granted before has ended by its holder's own
   * deadline. Set it when managers of one database run different leases. At least `leaseMs`, at most 1 hour.
   * @example { leaseMs: 5000, maxLeaseMs: 30000 } // another service on this database uses 30 s leases
   */
  maxLeaseMs?: number;
  /**
   * How long one Redis command may take before it fails with `StorageError('unavailable')`, ms.
   * Default 2000. A lost connection fails commands at once; this bounds a server that stopped answering.
   */
  commandTimeoutMs?: number;
}

/** Lease defaults for processes (see the module comment). */
export const REDIS_LEASE_MS = 5000;

const KEYS = ['client', 'prefix', 'database', 'leaseMs', 'renewMs', 'retryMs', 'maxLeaseMs', 'commandTimeoutMs'];

export class RedisLockManager extends LeaseLockManager {
  readonly backend = 'redis';
  readonly scope = 'cluster';
  /** The database name (the Redis keys' hash tag). */
  readonly database: string;

  /** Checks every option; throws `InvalidOptionError` for a client that is not a connected node-redis client. */
  constructor(options: RedisLockManagerOptions) {
    const o = checkObject(options, KEYS, 'new RedisLockManager()');
    const commands = commandsOf(o);
    if ((o.client as { isOpen?: boolean }).isOpen === false) throw new InvalidOptionError('client', 'is not connected: await client.connect() before making the manager');
    const leaseMs = msOption('leaseMs', o.leaseMs, REDIS_LEASE_MS, MAX_LEASE_MS);
    const settings = leaseSettings({ ...o, leaseMs, renewMs: o.renewMs ?? leaseMs / 5 });
    const maxLeaseMs = msOption('maxLeaseMs', o.maxLeaseMs, leaseMs, MAX_LEASE_MS);
    if (maxLeaseMs < leaseMs) throw new OptionRangeError('maxLeaseMs', `must be at least leaseMs (${leaseMs}), got ${maxLeaseMs}`);
    const database = databaseOption(o.database);
    const keys = keysOf(database, PROTOCOL_VERSION);
    const clock = new RedisClock();
    const subscriber = new Subscriber(commands);
    super(o.prefix, settings, {
      store: new RedisLeaseStore(`redis:${database}`, commands, keys, clock),
      bus: redisBus(subscriber, keys.channel),
      heartbeat: new Ticker(settings.renewMs),
      clock,
      lifecycle: undefined,
      transient: (error) => commands.transient(error),
      maxLeaseMs,
    });
    this.database = database;
    this.#subscriber = subscriber;
    this.#channelPrefix = `crosslock:{${database}}:channel:`;
  }

  readonly #subscriber: Subscriber;
  readonly #channelPrefix: string;

  /** Channels across the cluster for the coordination layers (core/channel.ts): the leader election's announcements. */
  [CLUSTER_CHANNEL](name: string, listener: (message: unknown) => void): ClusterChannel {
    return this.#subscriber.channel(this.#channelPrefix + name, listener);
  }
}
