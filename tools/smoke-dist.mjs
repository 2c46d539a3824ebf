// Imports the BUILT package in plain Node, through its own exports map: every entry point loads
// without browser globals, its declarations were emitted, and a lock can be taken and released
// (platformDefault loads the memory backend's chunk; the lease backend runs on fake-indexeddb).
import { existsSync, readFileSync } from 'node:fs';
import assert from 'node:assert/strict';

const crosslock = await import('crosslock');
const { MemoryLockManager } = await import('crosslock/memory');
const { FencedStore } = await import('crosslock/fenced');
for (const entry of ['index', 'memory', 'indexeddb', 'fenced', 'leader', 'service', 'backup', 'backup-file', 'redis', 'polyfill']) {
  assert.ok(existsSync(new URL(`../dist/${entry}.d.ts`, import.meta.url)), `dist/${entry}.d.ts was not emitted`);
}
assert.equal(typeof FencedStore, 'function');

const { manager: locks, backend } = await crosslock.platformDefault({ prefix: 'smoke' });
assert.equal(backend, 'memory');
assert.ok(locks instanceof MemoryLockManager, 'platformDefault and crosslock/memory loaded two copies of the backend');
const guard = await locks.lock('round.1', { timeout: 1000 });
assert.equal(await locks.tryLock('round.1'), null, 'a held lock was granted twice');
await guard.release();
const again = await locks.tryLock('round.1');
assert.ok(again, 'a released lock could not be taken again');
await again.release();
await assert.rejects(locks.lock('bad name', { timeout: 0 }), { name: 'InvalidLockNameError' });

await import('fake-indexeddb/auto');
const { IndexedDbLockManager } = await import('crosslock/indexeddb');
const leases = new IndexedDbLockManager({ database: 'smoke' });
const lease = await leases.lock('round.1', { timeout: 1000 });
assert.equal(typeof lease.generation, 'number');
await lease.release();
await leases.close();

const { LeaderElection } = await import('crosslock/leader');
const election = new LeaderElection(locks, 'leader');
const leadership = await election.lead();
assert.equal(election.isLeader, true);
assert.equal(typeof leadership.term, 'number');
await election.close();
assert.equal(leadership.signal.aborted, true);
const { serve, connect } = await import('crosslock/service');
const host = serve('counter', { add: (a, b) => a + b }, { manager: locks });
const client = connect('counter', { manager: locks });
assert.equal(await client.remote.add(2, 3), 5);
assert.equal(client.host?.epoch, host.context?.epoch);
await client.close();
await host.close();
const { encodeBackup, decodeBackup } = await import('crosslock/backup');
const backupBytes = await encodeBackup({ walletId: 'smoke', sequence: 1, createdAt: 0, payload: new Uint8Array([1, 2]) });
assert.deepEqual([...(await decodeBackup(backupBytes, { walletId: 'smoke' })).payload], [1, 2]);
const { FileBackupTarget } = await import('crosslock/backup/file');
assert.equal(typeof FileBackupTarget, 'function');
const { WebLocksPolyfill } = await import('crosslock/polyfill');
const polyfill = new WebLocksPolyfill({ database: 'smoke-polyfill' });
assert.equal(await polyfill.request('a name of any kind: \u0000 é', (lock) => lock.name), 'a name of any kind: \u0000 é');
await polyfill.close();
const { RedisLockManager, RedisFencedStore } = await import('crosslock/redis');
assert.throws(() => new RedisLockManager({ client: {} }), { name: 'InvalidOptionError' });
assert.equal(typeof RedisFencedStore, 'function');
assert.doesNotMatch(readFileSync(new URL('../dist/redis.js', import.meta.url), 'utf8'), /from ['"]redis['"]|import\(['"]redis['"]\)/, 'crosslock/redis imports the redis package (the app passes its client in)');
console.log(`smoke: built package imported in Node ${process.version}; every entry loads; lock/unlock ok (memory, indexeddb); a leader elected; a service called; a backup round-tripped; a polyfilled request ran; crosslock/redis loads without the redis package`);
