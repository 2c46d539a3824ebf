/** Connected node-redis clients for the Redis tests, closed after the file; random database names keep tests apart. */
import { createClient } from 'redis';
import { afterAll, inject } from 'vitest';
import type { RedisClient } from '../../src/redis.js';

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

export const randomDatabase = (): string => `test-${Math.random().toString(36).slice(2, 10)}`;
