/** Starts the Redis server of the `redis` test project (or uses CROSSLOCK_REDIS_URL), for every file to `inject('redisUrl')`. */
import type { TestProject } from 'vitest/node';
import { redisForTests } from '../../tools/redis.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const redis = await redisForTests();
  console.log(redis.started ? `redis: started a throwaway redis-server at ${redis.url}` : `redis: using CROSSLOCK_REDIS_URL=${redis.url}`);
  project.provide('redisUrl', redis.url);
  return redis.stop;
}
