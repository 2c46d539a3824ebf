/** Connected node-redis clients for the Redis tests, closed after the file; random database names keep tests apart. */
import { createClient } from 'redis';
import { afterAll, beforeEach, inject } from 'vitest';
import { PROTOCOL_VERSION } from '../../src/lease/messages.js';
import { MAX_LEASE_MS } from '../../src/lease/record.js';
import type { RedisClient } from '../../src/redis.js';
import { keysOf } from '../../src/stores/redis/scripts.js';

const clients: Array<{ readonly isOpen: boolean; close(): Promise<void> }> = [];
afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => (c.isOpen ? c.close() : undefined)));
});

/** A connected client of the test run's server (or of `url`). */
export async function connect(url = inject('redisUrl')) {
  const client = createClient({ url });
  // The tests that cut the connection look at what the manager says; the client's own noise is theirs.
  client.on('error', () => {});
  clients.push(client);
  await client.connect();
  // A node-redis client is a RedisClient as it is (checked here by the compiler).
  const typed: RedisClient = client;
  void typed;
  return client;
}

/** A random database name, never used: its first grant waits out the window of a database that may have lost its records. */
export const newDatabase = (): string => `test-${Math.random().toString(36).slice(2, 10)}`;

let stamper: ReturnType<typeof connect> | undefined;

/**
 * A random database that does not look new: its born stamp (src/stores/redis/scripts.ts) is set an hour
 * back, so its first grant comes at once instead of after the window in which a database that may have
 * lost its records grants nothing (that window has tests of its own: test/redis/born.test.ts).
 */
export async function agedDatabase(url = inject('redisUrl')): Promise<string> {
  const database = newDatabase();
  const client = await (url === inject('redisUrl') ? (stamper ??= connect()) : connect(url));
  const [seconds] = (await client.sendCommand(['TIME'])) as [string, string];
  await client.set(keysOf(database, PROTOCOL_VERSION).born, String(Number(seconds) * 1000 - MAX_LEASE_MS));
  return database;
}

/** Aged databases of the run's server, made before each test so that `randomDatabase()` can stay synchronous. */
const POOL = 6;
const pool: string[] = [];
beforeEach(async () => {
  while (pool.length < POOL) pool.push(await agedDatabase());
});

/** An aged database of the run's server (see `agedDatabase`), from the pool made before this test. */
export function randomDatabase(): string {
  const database = pool.pop();
  if (database === undefined) throw new Error(`a test used more than ${POOL} databases: raise POOL in test/redis/harness.ts`);
  return database;
}
