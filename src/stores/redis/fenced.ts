/**
 * `RedisFencedStore`: `FencedStore` for `RedisLockManager` guards. A write takes the guard it is made
 * under and lands only if, at that moment in Redis, the guard still holds its lock: the lock's
 * generation is still the guard's (nobody took the lock since) and the grant's lease is still live by
 * Redis's clock. Otherwise `StaleLockError`, nothing written. This is what Redlock cannot do: a process
 * paused past its lease (GC, SIGSTOP, a laptop asleep) wakes up believing it holds the lock, and its
 * write is refused by the store itself, whatever it believes (Kleppmann, "How to do distributed
 * locking", 2016).
 *
 * The check and the write are one step: the fencing rule (fenced/stale.ts, the same as IndexedDB's) is
 * applied to the lock's record read with Redis `TIME`, and the write is a script that runs only if that
 * record is still exactly as read and the grant's lease has not ended by Redis's clock at that moment
 * (scripts.ts `FENCED_WRITE`); a record changed meanwhile (a renewal) means read and check again. Values are JSON (what `JSON.stringify` keeps: no `undefined`, functions, BigInt or
 * cycles, which are refused with `InvalidOptionError`; a Date comes back as its ISO string). Keys are
 * strings; each namespace is one Redis hash.
 */
import { describe, InvalidOptionError, StaleLockError, StorageError } from '../../core/errors.js';
import { checkObject, databaseOption, namespaceOption } from '../../core/options.js';
import type { LockGuard } from '../../core/types.js';
import { fencedGuard } from '../../fenced/guard.js';
import { staleness } from '../../fenced/stale.js';
import { PROTOCOL_VERSION } from '../../lease/messages.js';
import type { LeaseRecord } from '../../lease/record.js';
import { commandsOf, type Commands, type RedisClient } from './client.js';
import { RedisClock } from './clock.js';
import { FENCED_WRITE, keysOf, type Keys } from './scripts.js';
import { parseRecord, RedisLeaseStore } from './store.js';

export interface RedisFencedStoreOptions {
  /** A connected node-redis client. */
  client: RedisClient;
  /** Keeps this store's keys apart from other stores', e.g. `'wallet'`. Required; a name of the lock name rule, as `FencedStore`'s. */
  namespace: string;
  /** The `database` of the `RedisLockManager` whose guards fence the writes. Default `'crosslock'`. */
  database?: string;
  /** How long one Redis command may take, ms. Default 2000. */
  commandTimeoutMs?: number;
}

/** A write whose lock record keeps changing under it (renewed each time) reads again up to this many times. */
const MAX_ATTEMPTS = 100;

export class RedisFencedStore<T = unknown> {
  readonly namespace: string;
  readonly database: string;
  readonly #commands: Commands;
  readonly #keys: Keys;
  readonly #records: RedisLeaseStore;
  readonly #hash: string;

  constructor(options: RedisFencedStoreOptions) {
    const o = checkObject(options, ['client', 'namespace', 'database', 'commandTimeoutMs'], 'new RedisFencedStore()');
    this.#commands = commandsOf(o);
    this.namespace = namespaceOption(o.namespace);
    this.database = databaseOption(o.database);
    this.#keys = keysOf(this.database, PROTOCOL_VERSION);
    this.#records = new RedisLeaseStore(`redis:${this.database}`, this.#commands, this.#keys, new RedisClock());
    this.#hash = this.#keys.fenced(this.namespace);
  }

  async get(key: string): Promise<T | undefined> {
    const raw = await this.#commands.send<string | null>(['HGET', this.#hash, checkKey(key)], `read "${key}"`);
    return raw === null ? undefined : (fromJson(raw, key) as T);
  }

  /** Every key and value of this store's namespace, by key. */
  async entries(): Promise<Array<[string, T]>> {
    const reply = await this.#commands.send<unknown>(['HGETALL', this.#hash], `read namespace "${this.namespace}"`);
    const rows = pairs(reply).map(([key, value]): [string, T] => [key, fromJson(value, key) as T]);
    return rows.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** Writes `value` under `key` if `guard` still holds its lock; else `StaleLockError`, nothing written. */
  put(guard: LockGuard, key: string, value: T): Promise<void> {
    return this.putAll(guard, [[key, value]]);
  }

  /** Writes every `[key, value]` in one step if `guard` still holds its lock: all of them or none. */
  async putAll(guard: LockGuard, entries: ReadonlyArray<readonly [string, T]>): Promise<void> {
    if (!Array.isArray(entries)) throw new InvalidOptionError('entries', `must be an array of [key, value], got ${describe(entries)}`);
    const changes = entries.map(([key, value]): [string, string] => [checkKey(key), json(value)]);
    return this.#write(guard, changes);
  }

  /** Deletes `key` if `guard` still holds its lock; else `StaleLockError`, nothing deleted. Bad input rejects, as `put` does. */
  async delete(guard: LockGuard, key: string): Promise<void> {
    return this.#write(guard, [[checkKey(key), '']]);
  }

  /** Nothing to release: the client is the app's. */
  close(): void {}

  async #write(guard: LockGuard, changes: Array<[string, string]>): Promise<void> {
    const { fence, generation } = fencedGuard(guard, `redis:${this.database}`, 'a RedisLockManager');
    for (let attempt = 1; ; attempt++) {
      const { now, values } = await this.#records.read([fence.name], `check the lock "${fence.name}"`);
      const raw = values[0]!;
      const record = parseRecord(raw);
      const stale = staleness(record, now, generation, fence.token);
      if (stale) throw new StaleLockError(fence.name, generation, stale.current, stale.reason);
      const expires = (record as LeaseRecord).holders.find((h) => h.token === fence.token)!.expires;
      const args = [fence.name, raw, String(expires), ...changes.flat()];
      const written = await this.#commands.run<number>(FENCED_WRITE, [this.#keys.records, this.#hash], args, `write namespace "${this.namespace}"`);
      if (written === 1) return;
      if (written === -1) throw new StaleLockError(fence.name, generation, undefined, "this holder's lease has expired");
      if (attempt >= MAX_ATTEMPTS) throw new StorageError('failed', `Redis: the record of "${fence.name}" changed under ${MAX_ATTEMPTS} fenced writes in a row`);
    }
  }
}

/** A hash as RESP2 sends it (a flat array) or RESP3 (a map: a Map or an object, by the client's type mapping). */
function pairs(reply: unknown): Array<[string, string]> {
  if (reply instanceof Map) return [...(reply as Map<string, string>)].map(([k, v]) => [String(k), String(v)]);
  if (Array.isArray(reply)) {
    const rows: Array<[string, string]> = [];
    for (let i = 0; i < reply.length; i += 2) rows.push([String(reply[i]), String(reply[i + 1])]);
    return rows;
  }
  return Object.entries((reply ?? {}) as Record<string, string>).map(([k, v]) => [k, String(v)]);
}

/** A stored value, or `StorageError('failed')` for one that is not JSON (not written by this store). */
function fromJson(raw: string, key: string): unknown {
  try {
    return JSON.parse(raw);
  } catch (error) {
    throw new StorageError('failed', `the value of "${key}" in Redis is not JSON: it was not written by RedisFencedStore`, { cause: error });
  }
}

function checkKey(key: unknown): string {
  if (typeof key !== 'string') throw new InvalidOptionError('key', `must be a string, got ${describe(key)}`);
  return key;
}

/** The value as stored: JSON, or `InvalidOptionError` for what JSON cannot keep. */
function json(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new InvalidOptionError('value', `cannot be stored as JSON (${(error as Error).message})`);
  }
  if (text === undefined) throw new InvalidOptionError('value', `cannot be stored as JSON, got ${describe(value)}`);
  return text;
}
