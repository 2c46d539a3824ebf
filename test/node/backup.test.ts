/**
 * crosslock/backup in Node over IndexedDB leases (fake-indexeddb), real timers (no wait here depends on
 * time passing: elections are granted by lock handoff, swaps are transactions). Fresh on start,
 * sequences, coalescing (newest wins), fencing of a stale leader, every safety rule, the archive,
 * followers writing when they lead, export, verify and restore, encryption. Crash consistency in real
 * Chromium is e2e (issue 14, next step).
 */
import 'fake-indexeddb/auto';
import { deleteDB, openDB } from 'idb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackupSwapper } from '../../src/backup/swapper.js';
import { IndexedDbBackupTarget } from '../../src/backup/indexeddb.js';
import { encode } from '../../src/backup/format.js';
import { IndexedDbLockManager } from '../../src/indexeddb.js';
import { LeaderElection } from '../../src/leader.js';

let database: string;
const open: Array<{ close(): unknown }> = [];
beforeEach(() => {
  database = `backup-${Math.random().toString(36).slice(2)}`;
});
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.close();
  await deleteDB(database);
});

const text = (s: string) => new TextEncoder().encode(s);
const read = (b: Uint8Array) => new TextDecoder().decode(b);

async function tab({ lead = true, ...options }: { key?: CryptoKey; keep?: number; lead?: boolean } = {}) {
  const manager = new IndexedDbLockManager({ database, prefix: 'w' });
  const election = new LeaderElection(manager, 'backup');
  const swapper = new BackupSwapper<string>({ election, walletId: 'wallet-1', pack: text, unpack: read, database, ...options });
  open.push(manager, election, swapper);
  const leadership = lead ? await election.lead() : undefined;
  return { manager, election, swapper, leadership };
}

async function raiseGeneration(name: string): Promise<void> {
  const db = await openDB(database);
  const record = (await db.get('leases', name)) as { generation: number };
  await db.put('leases', { ...record, generation: record.generation + 1, lastOwner: 'another-tab' }, name);
  db.close();
}

describe('BackupSwapper', () => {
  it('writes fresh on start, then every update with a higher sequence; the previous one goes to the archive', async () => {
    const { swapper } = await tab();
    expect(await swapper.start('state 0')).toMatchObject({ walletId: 'wallet-1', sequence: 0 });
    expect(await swapper.update('state 1')).toMatchObject({ sequence: 1 });
    const latest = await swapper.latest();
    expect(latest?.info.sequence).toBe(1);
    expect(await swapper.restore(latest!.bytes)).toBe('state 1');
    const history = await swapper.history();
    expect(await Promise.all(history.map((b) => swapper.restore(b)))).toEqual(['state 0']);
    const blob = await swapper.exportBlob();
    expect(new Uint8Array(await blob!.arrayBuffer())).toEqual(latest!.bytes);
  });

  it('coalesces bursts: the newest state wins, never an older one after a newer one', async () => {
    const { swapper } = await tab();
    const seen: number[] = [];
    swapper.addEventListener('backup', (e) => seen.push((e as unknown as { info: { sequence: number } }).info.sequence));
    const infos = await Promise.all(Array.from({ length: 20 }, (_, i) => swapper.update(`state ${i}`)));
    expect(await swapper.restore((await swapper.latest())!.bytes)).toBe('state 19');
    expect(seen.length).toBeLessThan(20); // coalesced
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    for (let i = 1; i < infos.length; i++) expect(infos[i]!.sequence).toBeGreaterThanOrEqual(infos[i - 1]!.sequence);
  });

  it("refuses a stale leader's swap (another took the lock since): StaleLockError, nothing stored", async () => {
    const { swapper } = await tab();
    await swapper.start('good');
    await raiseGeneration('w+leader+backup');
    await expect(swapper.update('late')).rejects.toMatchObject({ name: 'StaleLockError' });
    expect(await swapper.restore((await swapper.latest())!.bytes)).toBe('good');
  });

  it('never replaces a non-empty backup with an empty one, an unverifiable one, or another wallet’s, unless told to', async () => {
    const { swapper, leadership } = await tab();
    await swapper.start('something');
    await expect(swapper.update('')).rejects.toMatchObject({ name: 'BackupRefusedError', kind: 'empty' });
    expect(await swapper.update('', { replace: true })).toMatchObject({ sequence: 1 });

    const target = new IndexedDbBackupTarget('wallet-1', database);
    open.push(target);
    const current = await target.latest();
    await target.swap(leadership!.guard, text('garbage, not a backup'), current, 1, 10);
    await expect(swapper.update('next')).rejects.toMatchObject({ name: 'BackupRefusedError', kind: 'unverifiable' });
    expect(read((await target.latest())!)).toBe('garbage, not a backup');

    const foreign = await encode({ walletId: 'wallet-2', sequence: 5, createdAt: 0, payload: text('theirs') });
    await target.swap(leadership!.guard, foreign, await target.latest(), undefined, 10);
    await expect(swapper.update('next')).rejects.toMatchObject({ name: 'BackupRefusedError', kind: 'wallet' });
    expect(await swapper.update('mine again', { replace: true })).toMatchObject({ sequence: 6 });
  });

  it('keeps `keep` backups in the archive', async () => {
    const { swapper } = await tab({ keep: 3 });
    for (let i = 0; i < 7; i++) await swapper.update(`state ${i}`);
    const history = await swapper.history();
    expect(await Promise.all(history.map((b) => swapper.restore(b)))).toEqual(['state 5', 'state 4', 'state 3']);
  });

  it('a follower does not write; once it leads it writes its newest state at once (no gap)', async () => {
    const leader = await tab();
    const follower = await tab({ lead: false });
    const leading = follower.election.lead();
    await leader.swapper.start('from the leader');
    expect(await follower.swapper.update('from the follower')).toBeNull();
    expect(await leader.swapper.restore((await leader.swapper.latest())!.bytes)).toBe('from the leader');
    const written = new Promise((resolve) => follower.swapper.addEventListener('backup', resolve, { once: true }));
    await leader.leadership!.resign();
    await leading;
    await written;
    expect(await follower.swapper.restore((await follower.swapper.latest())!.bytes)).toBe('from the follower');
  });

  it('encrypts with the given key; without it the backup does not verify', async () => {
    const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
    const { swapper } = await tab({ key });
    await swapper.start('secret');
    const bytes = (await swapper.latest())!.bytes;
    expect(read(bytes)).not.toContain('secret');
    expect(await swapper.restore(bytes)).toBe('secret');
    const plain = new BackupSwapper<string>({ election: new LeaderElection(new IndexedDbLockManager({ database, prefix: 'x' }), 'b'), walletId: 'wallet-1', pack: text, database });
    await expect(plain.verify(bytes)).rejects.toMatchObject({ name: 'BackupFormatError', kind: 'key' });
    plain.close();
  });

  it('start on an existing backup (a reopened wallet) writes a fresh one with the current state', async () => {
    const before = await tab();
    await before.swapper.start('yesterday');
    await before.leadership!.resign();
    const { swapper } = await tab();
    const fresh = await swapper.start('today');
    expect(fresh!.sequence).toBe(1);
    expect(await swapper.restore((await swapper.latest())!.bytes)).toBe('today');
  });

  it('with `manager` it runs its own election and writes once it leads; subscribe() hears every swap', async () => {
    const swapper = new BackupSwapper<string>({ manager: new IndexedDbLockManager({ database, prefix: 'w' }), walletId: 'wallet-1', pack: text, unpack: read, database });
    open.push(swapper);
    const heard: number[] = [];
    const unsubscribe = swapper.subscribe((info) => heard.push(info.sequence));
    const first = new Promise((resolve) => swapper.addEventListener('backup', resolve, { once: true }));
    expect(await swapper.start('mine')).toBeNull(); // not leading yet: written the moment it does
    await first;
    await swapper.update('next');
    unsubscribe();
    await swapper.update('unheard');
    expect(heard).toEqual([0, 1]);
    expect(swapper.election.isLeader).toBe(true);
  });

  it('with `manager` under a 64-character prefix, the longest wallet id leads and writes; one byte more is refused when the swapper is made', async () => {
    const prefix = 'p'.repeat(64);
    const longest = 200 - prefix.length - '+backup+'.length; // its election's lock is "<prefix>+backup+<walletId>"
    const manager = new IndexedDbLockManager({ database, prefix });
    const swapper = new BackupSwapper<string>({ manager, walletId: 'w'.repeat(longest), pack: text, unpack: read, database });
    open.push(manager, swapper);
    const written = new Promise<Event>((resolve) => swapper.addEventListener('backup', resolve, { once: true }));
    await swapper.start('mine');
    await written;
    expect(swapper.election.isLeader).toBe(true);
    expect(await swapper.restore((await swapper.latest())!.bytes)).toBe('mine');
    expect(() => new BackupSwapper({ manager, walletId: 'w'.repeat(longest + 1), pack: text, database })).toThrow(
      expect.objectContaining({ name: 'InvalidLockNameError', message: expect.stringContaining(`1 to ${longest} of`) }),
    );
  });

  it('checks its options', () => {
    const election = new LeaderElection(new IndexedDbLockManager({ database, prefix: 'y' }), 'b');
    open.push(election);
    expect(() => new BackupSwapper({ election, walletId: '', pack: text })).toThrow(expect.objectContaining({ name: 'InvalidOptionError', option: 'walletId' }));
    expect(() => new BackupSwapper({ election, walletId: 'w', pack: 'no' as never })).toThrow(expect.objectContaining({ name: 'InvalidOptionError', option: 'pack' }));
    expect(() => new BackupSwapper({ election, walletId: 'w', pack: text, keep: -1 })).toThrow(expect.objectContaining({ name: 'InvalidOptionError', option: 'keep' }));
    expect(() => new BackupSwapper({ election: {} as never, walletId: 'w', pack: text })).toThrow(expect.objectContaining({ option: 'election' }));
    expect(() => new BackupSwapper({ walletId: 'w', pack: text })).toThrow(expect.objectContaining({ option: 'election' }));
  });
});
