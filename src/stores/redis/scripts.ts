/**
 * The Lua scripts of the Redis lease store, and the keys they touch.
 *
 * Atomicity: OPTIMISTIC compare-and-set. `READ` returns the records and Redis `TIME` in one step; the
 * lease rule (lease/decide.ts, the same function every store runs) decides in JavaScript; `CAS` writes
 * only if every record read is still byte-for-byte what was read (and, for a record that did not exist,
 * if the generation floor has not moved), else nothing and the store reads again. Chosen over
 *   - porting the rule to Lua: two implementations of the rule that makes exclusion would drift, and
 *     the rule is the part with the table and property tests;
 *   - WATCH/MULTI: the same optimism, but WATCH state lives on a connection, so every update in flight
 *     would need a connection of its own (node-redis isolation pools), where EVALSHA shares the app's.
 * Under contention a CAS that loses costs one more round trip; it loses only to another writer that won.
 *
 * Keys (`{database}` is a hash tag: every key of one database is in one cluster slot, as a script needs):
 * - `crosslock:{db}:records`: hash, full lock name → the lease record as JSON (lease/record.ts);
 * - `crosslock:{db}:active`: set of names whose record has holders or waiters (for `query()`);
 * - `crosslock:{db}:floor`: the generation high-water mark of swept records (a new record starts above);
 * - `crosslock:{db}:born`: Redis time (ms) at which an update first found this database without it: a new
 *   database, or one that LOST its records (a restart without persistence, FLUSHALL, eviction) while a
 *   holder may still hold. Written by READ (and a CAS that lost) if missing; the rule grants nothing until
 *   born + the longest lease (lease/decide.ts `quietUntil`), and a CAS lands only if born is unchanged, so
 *   a decision made before a loss is never written after it;
 * - `crosslock:{db}:fenced:<namespace>`: hash of `RedisFencedStore` values.
 * A missing record reads as '' (Lua arrays cannot hold nil; a stored record is never empty).
 */
import type { Script } from './client.js';

export interface Keys {
  readonly records: string;
  readonly active: string;
  readonly floor: string;
  readonly born: string;
  readonly channel: string;
  fenced(namespace: string): string;
}

export function keysOf(database: string, protocol: number): Keys {
  const base = `crosslock:{${database}}`;
  return {
    records: `${base}:records`,
    active: `${base}:active`,
    floor: `${base}:floor`,
    born: `${base}:born`,
    channel: `${base}:bus:v${protocol}`,
    fenced: (namespace) => `${base}:fenced:${namespace}`,
  };
}

/** Lua: the `born` stamp (KEYS[n]), written now (Redis time `t`, ms) if missing; its value. */
const BORN = (key: string): string => `redis.call('SET', ${key}, t[1] .. string.format('%03d', math.floor(t[2] / 1000)), 'NX')
local born = redis.call('GET', ${key})`;

/** KEYS: records, floor, born. ARGV: names. Returns [seconds, microseconds, floor, born, record or '' per name]. */
export const READ: Script = {
  name: 'read',
  source: `local t = redis.call('TIME')
${BORN('KEYS[3]')}
local out = { t[1], t[2], redis.call('GET', KEYS[2]) or '0', born }
for i = 1, #ARGV do out[#out + 1] = redis.call('HGET', KEYS[1], ARGV[i]) or '' end
return out`,
};

/**
 * KEYS: records, active, floor, born. ARGV: the floor read, a channel and a message to publish once written
 * ('' and '' for none), the born stamp read, then per record: name, value read, value to write ('' for none),
 * '1' if the written record is active. Returns {1} when written (and published); when anything changed since
 * the read (nothing written), what READ would have returned, prefixed by 0: {0, seconds, microseconds, floor,
 * born, record or '' per name}, so the caller decides again at once. Publishing here saves a release's
 * handoff one trip. A born stamp that changed (or vanished) since the read means the records were lost in
 * between: the decision, made on records from before the loss, is not written.
 */
export const CAS: Script = {
  name: 'cas',
  source: `local floor = redis.call('GET', KEYS[3]) or '0'
local same = (redis.call('GET', KEYS[4]) or '') == ARGV[4]
for i = 5, #ARGV, 4 do
  if not same then break end
  local current = redis.call('HGET', KEYS[1], ARGV[i]) or ''
  if current ~= ARGV[i + 1] or (current == '' and floor ~= ARGV[1]) then same = false end
end
if not same then
  local t = redis.call('TIME')
  ${BORN('KEYS[4]')}
  local out = { 0, t[1], t[2], floor, born }
  for i = 5, #ARGV, 4 do out[#out + 1] = redis.call('HGET', KEYS[1], ARGV[i]) or '' end
  return out
end
for i = 5, #ARGV, 4 do
  if ARGV[i + 2] ~= '' then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 2])
    if ARGV[i + 3] == '1' then redis.call('SADD', KEYS[2], ARGV[i]) else redis.call('SREM', KEYS[2], ARGV[i]) end
  end
end
if ARGV[2] ~= '' then redis.call('PUBLISH', ARGV[2], ARGV[3]) end
return { 1 }`,
};

/**
 * KEYS: records. ARGV: an HSCAN cursor, a count. Returns [seconds, microseconds, next cursor, name, record,
 * ...]: one HSCAN step with Redis time read in the same step, so a sweep decides on the store's own clock.
 */
export const SCAN: Script = {
  name: 'scan',
  source: `local t = redis.call('TIME')
local step = redis.call('HSCAN', KEYS[1], ARGV[1], 'COUNT', ARGV[2])
local out = { t[1], t[2], step[1] }
for i = 1, #step[2] do out[#out + 1] = step[2][i] end
return out`,
};

/** KEYS: records, active. Returns [name, record or '', ...] for every active name. */
export const ACTIVE: Script = {
  name: 'active',
  source: `local out = {}
for _, name in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  out[#out + 1] = name
  out[#out + 1] = redis.call('HGET', KEYS[1], name) or ''
end
return out`,
};

/**
 * KEYS: records, active, floor. ARGV: per record: name, value read, its generation. Deletes each record
 * still exactly as read and raises the floor over its generation, in one step. Returns how many went.
 */
export const SWEEP: Script = {
  name: 'sweep',
  source: `local removed = 0
local top = tonumber(redis.call('GET', KEYS[3]) or '0')
local raised = nil
for i = 1, #ARGV, 3 do
  if redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[i + 1] then
    redis.call('HDEL', KEYS[1], ARGV[i])
    redis.call('SREM', KEYS[2], ARGV[i])
    removed = removed + 1
    if tonumber(ARGV[i + 2]) > top then top = tonumber(ARGV[i + 2]); raised = ARGV[i + 2] end
  end
end
if raised then redis.call('SET', KEYS[3], raised) end
return removed`,
};

/**
 * KEYS: records, the namespace's fenced hash. ARGV: lock name, record as read, the grant's expiry in that
 * record (ms, Redis time), then key, value pairs (value '' deletes; every stored value is JSON, never
 * empty). Writes only if the lock's record is still exactly as read (so the fencing check made on it still
 * holds: nobody took the lock since) and the grant's lease has not ended by Redis's clock now. Returns 1
 * when written, 0 when the record changed (check again), -1 when the lease has ended.
 */
export const FENCED_WRITE: Script = {
  name: 'fenced-write',
  source: `if (redis.call('HGET', KEYS[1], ARGV[1]) or '') ~= ARGV[2] then return 0 end
local t = redis.call('TIME')
if tonumber(ARGV[3]) <= tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000 then return -1 end
for i = 4, #ARGV, 2 do
  if ARGV[i + 1] == '' then redis.call('HDEL', KEYS[2], ARGV[i]) else redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
end
return 1`,
};
