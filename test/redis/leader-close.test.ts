/**
 * `crosslock/leader` and `crosslock/backup`'s own campaign over RedisLockManager: `close()` landing 0..30
 * microtasks after the grant of the election's lock settles with nobody leading and the lock free (the
 * same sweep as on memory and IndexedDB leases, test/node/leader-campaign.test.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BackupSwapper } from '../../src/backup.js';
import type { LockManager } from '../../src/index.js';
import { LeaderElection } from '../../src/leader.js';
import { RedisLockManager } from '../../src/redis.js';
import { after, onGrant } from '../node/campaign-harness.js';
import { connect, randomDatabase } from './harness.js';

const client = await connect();
const managers: RedisLockManager[] = [];
afterEach(async () => void (await Promise.all(managers.splice(0).map((m) => m.close()))));

describe('close() racing the grant, over Redis', () => {
  it('close() 0..30 microtasks after the grant (an election, a swapper): settled, nobody leads, the lock is free', async () => {
    const manager = new RedisLockManager({ client, database: randomDatabase() });
    managers.push(manager);
    for (const via of ['election', 'swapper'] as const) {
      for (let k = 0; k <= 30; k++) {
        const label = `${via} ${k}`;
        const name = `wallet-${k}`;
        let closing: Promise<void> | undefined;
        let close: () => Promise<void> = () => Promise.resolve();
        let granted!: () => void;
        const grant = new Promise<void>((resolve) => (granted = resolve));
        const hooked: LockManager = onGrant(manager, /^(leader|backup)\+/, () => after(k, () => ((closing = close()), granted())));
        let e: LeaderElection;
        let settled = false;
        if (via === 'election') {
          e = new LeaderElection(hooked, name);
          close = () => e.close();
          void e.lead().then(
            () => (settled = true),
            () => (settled = true),
          );
        } else {
          const swapper = new BackupSwapper<string>({ manager: hooked, walletId: name, pack: (s) => new TextEncoder().encode(s), target: { latest: async () => undefined, history: async () => [], swap: async () => {}, close() {} } });
          e = swapper.election;
          close = () => swapper.close();
          settled = true; // its campaign is the swapper's own: close() waits for it
        }
        await grant;
        await closing;
        expect(settled, label).toBe(true);
        expect(e.isLeader, label).toBe(false);
        expect((await manager.query()).held.map((l) => l.name).filter((n) => n.endsWith(`+${name}`)), label).toEqual([]);
      }
    }
  });
});
