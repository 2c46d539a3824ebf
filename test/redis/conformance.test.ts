import { RedisLockManager } from '../../src/redis.js';
import { conformanceSuite } from '../conformance/suite.js';
import { connect, randomDatabase } from './harness.js';

const client = await connect();

conformanceSuite({
  name: 'RedisLockManager (Node, redis-server)',
  pollsWhileWaiting: true,
  space() {
    const database = randomDatabase();
    return {
      manager: ({ prefix }) => new RedisLockManager({ client, database, ...(prefix === undefined ? {} : { prefix }) }),
      async dispose() {
        const keys = await client.keys(`crosslock:{${database}}:*`);
        if (keys.length > 0) await client.del(keys);
      },
    };
  },
});
