/**
 * `BackupSwapper({ manager })`'s own campaign never dies silently and its `close()` leaves nothing behind: a
 * lease store failing N times then healing is N `'error'` events (`BackupErrorEvent`, exported, carrying the
 * election's `ElectionError`), then the swapper leads and writes the state it was given; `close()` landing
 * 0..30 microtasks after the grant of its election's lock settles with nobody leading and the lock free, on
 * memory and IndexedDB leases (fake-indexeddb). The file target's fence reads the leadership's checks (a
 * thawed Web Locks leader's late swap is refused).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deleteDB } from 'idb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BackupErrorEvent, BackupSwapper, type BackupInfo, type BackupTarget } from '../../src/backup.js';
import { FileBackupTarget } from '../../src/backup-file.js';
import type { LockManager } from '../../src/index.js';
import { ElectionError, LeaderElection } from '../../src/leader.js';
import { MemoryLockManager, MemoryLockSpace } from '../../src/memory.js';
import { failing, leaseManager, after, onGrant, settle } from './campaign-harness.js';

const open: Array<{ close(): unknown }> = [];
const databases: string[] = [];
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.close();
  vi.useRealTimers();
  vi.restoreAllMocks();
  for (const name of databases.splice(0)) await deleteDB(name);
});
const database = (): string => {
  const name = `backup-campaign-${Math.random().toString(36).slice(2)}`;
  databases.push(name);
  return name;
};
const text = (s: string) => new TextEncoder().encode(s);
const read = (b: Uint8Array) => new TextDecoder().decode(b);

/** A target that keeps its backups in memory (for managers without a fence of their own). */
function memoryTarget(): BackupTarget & { swaps: number } {
  let latest: Uint8Array | undefined;
  return {
    swaps: 0,
    latest: async () => latest,
    history: async () => [],
    async swap(_guard, next) {
      this.swaps++;
      latest = next;
    },
    close() {},
  };
}

describe("the swapper's own campaign never dies silently", () => {
  it.each([1, 3])('a lease store whose next %i updates fail, then heals: one BackupErrorEvent each, then it leads and writes', async (n) => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance', 'Date'] });
    const db = database();
    const flaky = failing(n);
    const manager = leaseManager(db, flaky.wrap);
    const swapper = new BackupSwapper<string>({ manager, walletId: 'wallet-1', pack: text, unpack: read, database: db });
    open.push(manager, swapper);
    const errors: unknown[] = [];
    swapper.addEventListener('error', (event) => {
      expect(event).toBeInstanceOf(BackupErrorEvent);
      errors.push(event.error);
    });
    const written = new Promise<BackupInfo>((resolve) => swapper.addEventListener('backup', (event) => resolve(event.info)));
    expect(await swapper.start('state 0')).toBeNull(); // not leading yet: kept, written once it leads
    expect(await settle(written)).toMatchObject({ walletId: 'wallet-1', sequence: 0 });
    expect(swapper.election.isLeader).toBe(true);
    expect(await swapper.update('state 1')).toMatchObject({ sequence: 1 });
    expect(await swapper.restore((await swapper.latest())!.bytes)).toBe('state 1');
    expect(flaky.state.failed).toBe(n);
    expect(errors).toHaveLength(n);
    errors.forEach((error, i) => {
      expect(error).toBeInstanceOf(ElectionError);
      expect(error).toMatchObject({ retryInMs: 100 * 2 ** i, cause: { name: 'StorageError', kind: 'failed' } });
    });
  });
});

describe("close() racing the grant of the swapper's election", () => {
  const spaces: { memory?: MemoryLockSpace; leases?: string } = {};
  const backends: Array<[string, () => LockManager]> = [
    ['memory', () => new MemoryLockManager({ space: (spaces.memory ??= new MemoryLockSpace()), prefix: 'w' })],
    ['IndexedDB leases', () => leaseManager((spaces.leases ??= database()))],
  ];

  it.each(backends)('%s: close() 0..30 microtasks after the grant: nobody leads once it resolves, the lock is free', async (_, make) => {
    for (let k = 0; k <= 30; k++) {
      const base = make();
      open.push(base);
      const target = memoryTarget();
      let closing: Promise<void> | undefined;
      let swapper!: BackupSwapper<string>;
      const granted = new Promise<void>((resolve) => {
        const hooked = onGrant(base, /^backup\+/, () => after(k, () => ((closing = swapper.close()), resolve())));
        swapper = new BackupSwapper<string>({ manager: hooked, walletId: 'wallet-1', pack: text, target });
      });
      const started = swapper.start(`state ${k}`);
      await granted;
      await closing;
      expect(swapper.election.isLeader, `k=${k}`).toBe(false);
      expect((await base.query()).held, `k=${k}`).toEqual([]);
      expect(await started).toBeNull();
      // Someone else leads at once.
      const next = new LeaderElection(base, 'other');
      open.push(next);
      await (await next.lead()).resign();
    }
  });
});

describe('the file target fences with the leadership', () => {
  it("a Web Locks leader frozen during a swap (past staleAfterMs - heartbeatMs): the file target's check refuses it", async () => {
    // Fake timers: no beat or tick runs during the swap, so only the target's own check can see the freeze.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance', 'Date'] });
    const dir = mkdtempSync(join(tmpdir(), 'crosslock-backup-campaign-'));
    open.push({ close: () => rmSync(dir, { recursive: true, force: true }) });
    // Only Web Locks leaders step down as stale: the memory backend, calling itself that, stands in.
    const manager = Object.defineProperty(new MemoryLockManager({ space: new MemoryLockSpace() }), 'backend', { value: 'web-locks' });
    const election = new LeaderElection(manager, 'backup', { heartbeatMs: 100, staleAfterMs: 1000 });
    const swapper = new BackupSwapper<string>({
      election,
      walletId: 'wallet-1',
      target: new FileBackupTarget(dir, 'wallet-1'),
      unpack: read,
      pack: (state) => {
        // The tab freezes while packing: when it runs again, 900 ms have passed without a beat.
        if (state === 'frozen') vi.spyOn(performance, 'now').mockReturnValue(performance.now() + 900);
        return text(state);
      },
    });
    open.push(manager, election, swapper);
    await election.lead();
    expect(await swapper.update('before')).toMatchObject({ sequence: 0 });
    await expect(swapper.update('frozen')).rejects.toMatchObject({ name: 'StaleLockError' });
    expect(election.isLeader).toBe(false);
    expect(await swapper.restore((await swapper.latest())!.bytes)).toBe('before');
  });
});
