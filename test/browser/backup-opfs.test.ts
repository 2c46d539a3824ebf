/**
 * The OPFS backup target in Chromium (issue 14): swaps through createWritable (replaced on close),
 * the archive, and a swap whose guard was lost before the close aborted (nothing replaced).
 */
import { describe, expect, it } from 'vitest';
import { BackupSwapper, OpfsBackupTarget, decodeBackup } from '../../src/backup.js';
import { WebLockManager } from '../../src/index.js';
import { LeaderElection } from '../../src/leader.js';

const text = (s: string) => new TextEncoder().encode(s);
const read = (b: Uint8Array) => new TextDecoder().decode(b);

async function leading(prefix: string) {
  const manager = new WebLockManager({ prefix, database: `opfs-${prefix}` });
  const election = new LeaderElection(manager, 'backup');
  const leadership = await election.lead();
  return { manager, election, leadership };
}

describe('OpfsBackupTarget', () => {
  it('swaps, archives, and restores through the swapper', async () => {
    const walletId = `opfs-${Math.random().toString(36).slice(2)}`;
    const { election, manager } = await leading(walletId);
    const target = new OpfsBackupTarget(walletId);
    const swapper = new BackupSwapper<string>({ election, walletId, pack: text, unpack: read, target, keep: 2 });
    for (let i = 0; i < 5; i++) await swapper.update(`state ${i}`);
    const latest = await swapper.latest();
    expect(latest?.info.sequence).toBe(4);
    expect(await swapper.restore(latest!.bytes)).toBe('state 4');
    expect(await Promise.all((await swapper.history()).map((b) => swapper.restore(b)))).toEqual(['state 3', 'state 2']);
    await election.close();
    await manager.close();
  });

  it('a guard lost before the swap closes aborts it: StaleLockError, the old backup stays', async () => {
    const walletId = `opfs-${Math.random().toString(36).slice(2)}`;
    const { election, manager, leadership } = await leading(walletId);
    const target = new OpfsBackupTarget(walletId);
    const swapper = new BackupSwapper<string>({ election, walletId, pack: text, unpack: read, target });
    await swapper.update('kept');
    const current = await target.latest();
    await leadership.guard.release();
    await expect(target.swap(leadership.guard, text('late'), current, 0, 10)).rejects.toMatchObject({ name: 'StaleLockError' });
    expect(read((await decodeBackup((await target.latest())!)).payload)).toBe('kept');
    await election.close();
    await manager.close();
  });
});
