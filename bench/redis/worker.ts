/**
 * One process of the Redis bench (bench/redis.ts forks them). Roles:
 * - `loop`: after `{ cmd: 'go', until }` (a CLOCK_MONOTONIC deadline in ns, shared by every process of
 *   the machine), takes the lock over and over until then; under it, the checker `INCR inside` must
 *   answer 1 (else a violation), then `INCR total`, `DECR inside`. Sends every [acquired, releasing] pair
 *   (ns), the count and the violations.
 * - `hold`: takes the lock and holds it (renewed) until killed.
 * - `wait`: asks for the lock, says so, and sends the time it got it.
 */
import { ADAPTERS, makeLock, type AdapterName } from './adapters.js';

const [role, adapter] = process.argv.slice(2) as [string, AdapterName];
if (!ADAPTERS.includes(adapter)) throw new Error(`unknown adapter ${adapter}`);
const send = (m: object): void => void process.send!(m);
const now = (): number => Number(process.hrtime.bigint());
const database = process.env.DATABASE!;
const lock = await makeLock(adapter, process.env.REDIS_URL!, database, Number(process.env.LEASE_MS));

if (role === 'loop') {
  process.once('message', async ({ until }: { until: number }) => {
    const intervals: Array<[number, number]> = [];
    let violations = 0;
    while (now() < until) {
      const release = await lock.acquire();
      const acquired = now();
      if ((await lock.checker.incr(`${database}:inside`)) !== 1) violations++;
      await lock.checker.incr(`${database}:total`);
      await lock.checker.decr(`${database}:inside`);
      intervals.push([acquired, now()]);
      await release();
    }
    send({ t: 'done', intervals, violations });
    await lock.close();
    process.exit(0);
  });
  send({ t: 'ready' });
} else if (role === 'hold') {
  await lock.acquire();
  send({ t: 'held' });
} else if (role === 'wait') {
  const granted = lock.acquire();
  send({ t: 'waiting' });
  await granted;
  send({ t: 'acquired', at: now() });
  process.exit(0);
}
