/** `npm run bench:backup`, the browser side: the time of one backup swap (IndexedDB or OPFS target) of `size` bytes, `n` times. */
import { platformDefault } from '../../src/index.js';
import { BackupSwapper, OpfsBackupTarget } from '../../src/backup.js';
import { LeaderElection } from '../../src/leader.js';

async function backupBench(n: number, size: number, where: 'indexeddb' | 'opfs'): Promise<number[]> {
  const { manager } = await platformDefault({ prefix: 'bench', requireOrigin: true });
  const election = new LeaderElection(manager, 'backup');
  await election.lead();
  const payload = new Uint8Array(size).map((_, i) => (i * 7919) % 251);
  const walletId = `bench-${Math.random().toString(36).slice(2)}`;
  const swapper = new BackupSwapper<number>({ election, walletId, pack: () => payload, ...(where === 'opfs' ? { target: new OpfsBackupTarget(walletId) } : {}) });
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
