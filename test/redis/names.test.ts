/**
 * Names on Redis: a `database` with `{` or `}` is refused (its keys are `crosslock:{<database>}:...`, so
 * a `}` could make one database's keys another's, and either brace breaks the cluster hash tag), store
 * namespaces follow the name rule, and a record written under the old dotted encoding is never read as a
 * lock of the new one (core/names.ts).
 */
import { afterEach, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '../../src/lease/messages.js';
import { RedisFencedStore, RedisLockManager } from '../../src/redis.js';
import { keysOf } from '../../src/stores/redis/scripts.js';
import { connect, randomDatabase } from './harness.js';

const client = await connect();
const managers: RedisLockManager[] = [];
afterEach(async () => void (await Promise.all(managers.splice(0).map((m) => m.close()))));

it('refuses a database with a brace, in the lock manager and the fenced store alike', () => {
  // "x}:fenced:y"'s records would be "crosslock:{x}:fenced:y}:records": namespace "y}:records" of database "x".
  for (const database of ['x}:fenced:y', '{x', 'a{b}c', '}']) {
    const refused = expect.objectContaining({ name: 'InvalidOptionError', option: 'database', message: expect.stringContaining('{ or }') });
    expect(() => new RedisLockManager({ client, database })).toThrow(refused);
    expect(() => new RedisFencedStore({ client, database, namespace: 'wallet' })).toThrow(refused);
  }
  for (const database of ['crosslock', 'wallet:main', 'a.b-c_d', 'spaces are fine']) managers.push(new RedisLockManager({ client, database }));
});

it('takes store namespaces of the name rule only', () => {
  for (const namespace of ['backup:w', 'a b', '', '.x', 'x'.repeat(201)]) {
    expect(() => new RedisFencedStore({ client, namespace })).toThrow(expect.objectContaining({ name: 'InvalidOptionError', option: 'namespace' }));
  }
  expect(new RedisFencedStore({ client, namespace: 'wallet.main-1' }).namespace).toBe('wallet.main-1');
});

it('an old record under "alice.savings.sync" is no lock of the new encoding, prefixed or not, and is left alone', async () => {
  const database = randomDatabase();
  const keys = keysOf(database, PROTOCOL_VERSION);
  const [seconds] = (await client.sendCommand(['TIME'])) as [string, string];
  const now = Number(seconds) * 1000;
  const entry = { owner: 'old-process', token: 'old-grant', mode: 'exclusive', expires: now + 3_600_000, lease: 3_600_000 };
  const old = JSON.stringify({ v: 2, generation: 41, lastOwner: 'old-process', used: now, holders: [entry], queue: [] });
  for (const name of ['alice.savings.sync', 'sync']) {
    await client.hSet(keys.records, name, old);
    await client.sAdd(keys.active, name);
  }
  const make = (prefix?: string) => {
    const m = new RedisLockManager({ client, database, ...(prefix === undefined ? {} : { prefix }) });
    managers.push(m);
    return m;
  };
  const [bare, alice, savings] = [make(), make('alice'), make('alice.savings')];
  for (const [m, name] of [
    [bare, 'alice.savings.sync'],
    [bare, 'sync'],
    [alice, 'savings.sync'],
    [savings, 'sync'],
  ] as const) {
    const guard = await m.tryLock(name);
    expect(guard, `${m.prefix ?? '(no prefix)'} / ${name}`).not.toBeNull();
    await guard!.release();
  }
  for (const m of [bare, alice, savings]) expect(await m.query()).toEqual({ held: [], pending: [] });
  expect(await client.hGet(keys.records, 'alice.savings.sync')).toBe(old);
  expect(await client.hGet(keys.records, 'sync')).toBe(old);
});
