/** `npm run bench:backup`, the browser side: the time of one backup swap (IndexedDB target) of `size` bytes, `n` times. */
import { platformDefault } from '../../src/index.js';
import { BackupSwapper } from '../../src/backup.js';
import { LeaderElection } from '../../src/leader.js';

async function backupBench(n: number, size: number): Promise<number[]> {
  const { manager } = await platformDefault({ prefix: 'bench', requireOrigin: true });
  const election = new LeaderElection(manager, 'backup');
  await election.lead();
  const payload = new Uint8Array(size).map((_, i) => (i * 7919) % 251);
  const swapper = new BackupSwapper<number>({ election, walletId: `bench-${Math.random().toString(36).slice(2)}`, pack: () => payload });
  await swapper.start(0);
  const times: number[] = [];
  for (let i = 1; i <= n; i++) {
    const t = performance.now();
    await swapper.update(i);
    times.push(performance.now() - t);
  }
  swapper.close();
  await election.close();
  return times;
}

(globalThis as unknown as { backupBench: typeof backupBench }).backupBench = backupBench;
