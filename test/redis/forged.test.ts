/** Forged bus messages against Redis leases: published by a plain client on the lease channel. */
import { PROTOCOL_VERSION } from '../../src/lease/messages.js';
import { RedisLockManager } from '../../src/redis.js';
import { keysOf } from '../../src/stores/redis/scripts.js';
import { forgedMessageSuite } from '../lease/forged.js';
import { connect, randomDatabase } from './harness.js';

const client = await connect();

forgedMessageSuite('Redis leases', () => {
  const database = randomDatabase();
  const keys = keysOf(database, PROTOCOL_VERSION);
  return {
    managers: () => [new RedisLockManager({ client, database, leaseMs: 1000, renewMs: 100 }), new RedisLockManager({ client, database, leaseMs: 1000, renewMs: 100 })],
    post: async (message) => void (await client.publish(keys.channel, JSON.stringify(message))),
    async records() {
      const all = await client.hGetAll(keys.records);
      return Object.fromEntries(Object.entries(all).map(([k, v]) => [k, JSON.parse(v)]));
    },
    lifecycle: false,
    async close() {
      const own = await client.keys(`crosslock:{${database}}:*`);
      if (own.length > 0) await client.del(own);
    },
  };
});
