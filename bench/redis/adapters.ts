/**
 * The Redis locks the bench compares, behind one shape: crosslock's RedisLockManager (node-redis), and
 * the two its users would otherwise pick, both on ioredis (the client they support): redis-semaphore's
 * Mutex and Redlock on a single instance (@sesamecare-oss/redlock, the maintained fork; `redlock` 4.2 is
 * unmaintained and its v5 has been in beta since 2022). Every lock has the same lease (`leaseMs`); the
 * peers retry every 10 ms, their documented tuning for a contended lock (redis-semaphore's default;
 * Redlock's default is 200 ms, which would only make it look worse).
 */
import { Redlock } from '@sesamecare-oss/redlock';
import { Redis } from 'ioredis';
import { Mutex } from 'redis-semaphore';
import { createClient } from 'redis';
import { RedisLockManager } from '../../src/redis.js';

export const ADAPTERS = ['crosslock', 'redis-semaphore', 'redlock'] as const;
export type AdapterName = (typeof ADAPTERS)[number];

export interface BenchLock {
  /** Waits for the lock; resolves to its release. */
  acquire(): Promise<() => Promise<void>>;
  /** A client of its own for the checker's commands. */
  readonly checker: { incr(key: string): Promise<number>; decr(key: string): Promise<number> };
  close(): Promise<void>;
}

export async function makeLock(name: AdapterName, url: string, database: string, leaseMs: number): Promise<BenchLock> {
  if (name === 'crosslock') {
    const client = createClient({ url });
    client.on('error', () => {});
    await client.connect();
    const locks = new RedisLockManager({ client, database, leaseMs });
    return {
      async acquire() {
        const guard = await locks.lock('bench', { timeout: 60_000 });
        return () => guard.release();
      },
      checker: { incr: (k) => client.incr(k), decr: (k) => client.decr(k) },
      async close() {
        await locks.close();
        await client.close();
      },
    };
  }
  const redis = new Redis(url, { lazyConnect: true });
  await redis.connect();
  const key = `${database}:bench`;
  if (name === 'redis-semaphore') {
    return {
      async acquire() {
        const mutex = new Mutex(redis, key, { lockTimeout: leaseMs, acquireTimeout: 60_000, retryInterval: 10 });
        await mutex.acquire();
        return () => mutex.release();
      },
      checker: { incr: (k) => redis.incr(k), decr: (k) => redis.decr(k) },
      async close() {
        redis.disconnect();
      },
    };
  }
  const redlock = new Redlock([redis], { retryCount: -1, retryDelay: 10, retryJitter: 5, automaticExtensionThreshold: leaseMs / 3 });
  redlock.on('error', () => {});
  return {
    async acquire() {
      // using(): renewed automatically while held, like the others.
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let granted!: () => void;
      const held = new Promise<void>((resolve) => (granted = resolve));
      const done = redlock.using([key], leaseMs, async () => {
        granted();
        await released;
      });
      await Promise.race([held, done]);
      return async () => {
        release();
        await done;
      };
    },
    checker: { incr: (k) => redis.incr(k), decr: (k) => redis.decr(k) },
    async close() {
      redis.disconnect();
    },
  };
}
