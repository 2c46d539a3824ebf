/**
 * crosslock/backup at its edges (issue 14, from a hostile review): the sequence only goes up even when a
 * torn backup is replaced, `replace` belongs to its own state, a follower keeps it and a failed write on
 * becoming leader is reported, file names of two wallets never collide, a keyed wallet refuses an
 * unencrypted backup, out-of-range sequences and malformed wallet ids are typed errors.
 */
import 'fake-indexeddb/auto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deleteDB } from 'idb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encode, peek } from '../../src/backup/format.js';
import { FileBackupTarget } from '../../src/backup/file.js';
import { IndexedDbBackupTarget } from '../../src/backup/indexeddb.js';
import { BackupSwapper } from '../../src/backup/swapper.js';
import { IndexedDbLockManager } from '../../src/indexeddb.js';
import { LeaderElection } from '../../src/leader.js';
import { MemoryLockManager } from '../../src/memory.js';

let database: string;
const open: Array<{ close(): unknown }> = [];
beforeEach(() => void (database = `backup-edges-${Math.random().toString(36).slice(2)}`));
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.close();
  await deleteDB(database);
});
const text = (s: string) => new TextEncoder().encode(s);
const read = (b: Uint8Array) => new TextDecoder().decode(b);

async function tab(lead = true, key?: CryptoKey) {
  const manager = new IndexedDbLockManager({ database, prefix: 'w' });
  const election = new LeaderElection(manager, 'backup');
  const swapper = new BackupSwapper<string>({ election, walletId: 'wallet-1', pack: text, unpack: read, database, ...(key ? { key } : {}) });
  open.push(manager, election, swapper);
  const leadership = lead ? await election.lead() : undefined;
  return { election, swapper, leadership };
}

describe('BackupSwapper edges', () => {
  it('replacing a torn backup keeps sequences going up and every archived backup', async () => {
    const { swapper, leadership } = await tab();
    for (const s of ['s0', 's1', 's2']) await swapper.update(s);
    const target = new IndexedDbBackupTarget('wallet-1', database);
    open.push(target);
    await target.swap(leadership!.guard, new Uint8Array(20), await target.latest(), 2, 10); // torn
    await swapper.update('fixed', { replace: true });
    await swapper.update('next');
    const latest = (await swapper.latest())!;
    const history = await swapper.history();
    const sequences = [latest.info.sequence, ...history.map((b) => { try { return peek(b).sequence; } catch { return -1; } })];
    const readable = sequences.filter((n) => n >= 0);
    expect(new Set(readable).size).toBe(readable.length); // no sequence twice
    expect(readable).toEqual([...readable].sort((a, b) => b - a)); // newest first, strictly down
    const states = await Promise.all(history.map((b) => swapper.restore(b).catch(() => 'torn')));
    expect(states).toEqual(['fixed', 'torn', 's2', 's1', 's0']);
    expect(await swapper.restore(latest.bytes)).toBe('next');
  });

  it("`replace` belongs to its own state: a newer state without it is refused as empty", async () => {
    const { swapper } = await tab();
    await swapper.update('precious');
    const first = swapper.update('slow');
    const restored = swapper.update('restored', { replace: true });
    const empty = swapper.update('');
    await first;
    await expect(empty).rejects.toMatchObject({ name: 'BackupRefusedError', kind: 'empty' });
    await expect(restored).rejects.toMatchObject({ kind: 'empty' }); // superseded by the refused newest state
    expect(await swapper.restore((await swapper.latest())!.bytes)).toBe('slow');
  });

  it('a follower keeps `replace` for the write it makes on leading; a failed one is an error event', async () => {
    const leader = await tab();
    const target = new IndexedDbBackupTarget('wallet-1', database);
    open.push(target);
    await target.swap(leader.leadership!.guard, text('garbage'), undefined, undefined, 10);
    const follower = await tab(false);
    const refused = await tab(false);
    expect(await follower.swapper.start('fresh', { replace: true })).toBeNull();
    const written = new Promise((resolve) => follower.swapper.addEventListener('backup', resolve, { once: true }));
    const leading = follower.election.lead();
    await leader.leadership!.resign();
    await leading;
    await written;
    expect(await follower.swapper.restore((await follower.swapper.latest())!.bytes)).toBe('fresh');
    // Without `replace` over a backup that does not verify: the refusal is an 'error' event, not silence.
    await target.swap((await leading).guard, text('garbage again'), await target.latest(), undefined, 10);
    expect(await refused.swapper.start('plain')).toBeNull();
    const error = new Promise<unknown>((resolve) => refused.swapper.addEventListener('error', (e) => resolve((e as unknown as { error: unknown }).error), { once: true }));
    const next = refused.election.lead();
    await (await leading).resign();
    await next;
    expect(await error).toMatchObject({ name: 'BackupRefusedError', kind: 'unverifiable' });
  });

  it('a keyed wallet refuses an unencrypted backup (a downgrade anyone with storage access could forge)', async () => {
    const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
    const { swapper } = await tab(true, key);
    const forged = await encode({ walletId: 'wallet-1', sequence: 99, createdAt: 0, payload: text('attacker state') });
    await expect(swapper.verify(forged)).rejects.toMatchObject({ name: 'BackupFormatError', kind: 'key' });
    await expect(swapper.restore(forged)).rejects.toMatchObject({ kind: 'key' });
  });

  it('an out-of-range sequence and a malformed wallet id are typed errors', async () => {
    const bytes = await encode({ walletId: 'wallet-1', sequence: 1, createdAt: 0, payload: text('x') });
    const view = new DataView(bytes.buffer);
    view.setBigUint64(8 + 'wallet-1'.length, 2n ** 60n + 1n);
    expect(() => peek(bytes)).toThrow(expect.objectContaining({ name: 'BackupFormatError' }));
    const election = new LeaderElection(new MemoryLockManager({ prefix: 'x' }), 'b');
    open.push(election);
    expect(() => new BackupSwapper({ election, walletId: 'w\uD800', pack: text })).toThrow(expect.objectContaining({ name: 'InvalidOptionError', option: 'walletId' }));
    expect(() => new BackupSwapper({ election, walletId: 'w'.repeat(1025), pack: text })).toThrow(expect.objectContaining({ option: 'walletId' }));
  });
});

describe('FileBackupTarget names', () => {
  it("one wallet's archive never takes another wallet's file for its own", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crosslock-backup-names-'));
    try {
      const election = new LeaderElection(new MemoryLockManager({ prefix: 'names' }), 'backup');
      open.push(election);
      await election.lead();
      const a = new BackupSwapper<string>({ election, walletId: 'a', pack: text, unpack: read, target: new FileBackupTarget(dir, 'a'), keep: 0 });
      const other = new BackupSwapper<string>({ election, walletId: 'a.0000000000000001', pack: text, unpack: read, target: new FileBackupTarget(dir, 'a.0000000000000001') });
      await other.update('theirs');
      for (const s of ['mine 0', 'mine 1', 'mine 2']) await a.update(s);
      expect(await other.restore((await other.latest())!.bytes)).toBe('theirs');
      expect(await a.history()).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
