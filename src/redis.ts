/**
 * `crosslock/redis` (Node): the lock contract across processes and hosts on one Redis server, and
 * fenced writes checked in the same server. Needs the `redis` package (node-redis, v5+), a peer
 * dependency: this entry never imports it, the app passes its client in.
 */
export { RedisLockManager, type RedisLockManagerOptions } from './stores/redis/manager.js';
export { RedisFencedStore, type RedisFencedStoreOptions } from './stores/redis/fenced.js';
export type { RedisClient, RedisSubscriberClient } from './stores/redis/client.js';
export type { LeaseOptions } from './lease/settings.js';
export type { LeaseLockOptions } from './lease/manager.js';
