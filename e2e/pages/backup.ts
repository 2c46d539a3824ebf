/**
 * A tab of the backup e2e (e2e/backup.spec.ts): a wallet that campaigns in a `LeaderElection` named
 * 'backup' and, while it leads, backs its state (`state <n>`, n counting up) up through a
 * `BackupSwapper` to IndexedDB in a tight loop (`loop()`), until `quiet()`. `?stale=<ms>` is the
 * election's staleAfterMs. `lateSwap()` tries a swap under the leadership it had before (a thawed
 * ex-leader's late write). `?reader` never campaigns. Every promise the page starts is counted; `drain()` says how many settled.
 */
import { platformDefault } from '../../src/index.js';
import { BackupSwapper, decodeBackup, encodeBackup, IndexedDbBackupTarget } from '../../src/backup.js';
import { LeaderElection, type Leadership } from '../../src/leader.js';

const params = new URLSearchParams(location.search);
const { manager } = await platformDefault({ prefix: 'e2e', requireOrigin: true });
const election = new LeaderElection(manager, 'backup', { heartbeatMs: 250, staleAfterMs: Number(params.get('stale') ?? 2000) });
const text = (s: string) => new TextEncoder().encode(s);
const swapper = new BackupSwapper<string>({ election, walletId: 'e2e-wallet', pack: text, unpack: (b) => new TextDecoder().decode(b) });
let leadership: Leadership | undefined;
let quiet = false;
let looping: Promise<void> = Promise.resolve();
let n = 0;
let started = 0;
let settled = 0;
const track = <T>(p: Promise<T>): Promise<T> => {
  started++;
  return p.finally(() => settled++);
};
const outcomes: string[] = [];
// `?reader`: only reads the stored backup, never campaigns.
const leads = params.has('reader') ? new Promise<Leadership>(() => {}) : track(election.lead().then((l) => (leadership = l)));

const backupTab = {
  leads: async (): Promise<number> => (await leads).term,
  isLeader: (): boolean => election.isLeader,
  /** Backs up state after state until quiet() or the leadership ends. */
  loop: (): void => {
    looping = track(
      (async () => {
        while (!quiet) {
          try {
            const info = await swapper.update(`state ${n++}`);
            if (!info) break;
          } catch (error) {
            outcomes.push((error as Error).name);
            break;
          }
        }
      })(),
    );
  },
  /** Stops the loop; resolves once its last swap ended (so no transaction is open). */
  quiet: async (): Promise<void> => {
    quiet = true;
    await looping;
  },
  /** The stored backup: verified (sequence, state), or what is wrong with it. */
  stored: async (): Promise<{ sequence?: number; state?: string; error?: string }> => {
    const target = new IndexedDbBackupTarget('e2e-wallet');
    try {
      const bytes = await target.latest();
      if (!bytes) return {};
      const backup = await decodeBackup(bytes, { walletId: 'e2e-wallet' });
      return { sequence: backup.sequence, state: new TextDecoder().decode(backup.payload) };
    } catch (error) {
      return { error: `${(error as Error).name}: ${(error as Error).message}` };
    } finally {
      target.close();
    }
  },
  /** A swap under the leadership this tab had (after a freeze: another tab leads now). */
  lateSwap: async (): Promise<string> => {
    const target = new IndexedDbBackupTarget('e2e-wallet');
    try {
      const current = await target.latest();
      const bytes = await encodeBackup({ walletId: 'e2e-wallet', sequence: 1e9, createdAt: Date.now(), payload: text('late') });
      await target.swap(leadership!.guard, bytes, current, undefined, 10);
      return 'written';
    } catch (error) {
      return (error as Error).name;
    } finally {
      target.close();
    }
  },
  outcomes: (): string[] => outcomes,
  drain: async (): Promise<{ started: number; settled: number }> => ({ started, settled }),
};

declare global {
  interface Window {
    backupTab: typeof backupTab;
  }
}
window.backupTab = backupTab;
