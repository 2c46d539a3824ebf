// Imports the BUILT package in plain Node, through its own exports map, and takes and releases a lock.
// Proves the published entry loads without browser globals and that the declarations were emitted.
import { existsSync } from 'node:fs';
import assert from 'node:assert/strict';

const crosslock = await import('crosslock');
assert.ok(existsSync(new URL('../dist/index.d.ts', import.meta.url)), 'dist/index.d.ts was not emitted');

const locks = new crosslock.MemoryLockManager({ prefix: 'smoke' });
const guard = await locks.lock('round.1', { timeout: 1000 });
assert.equal(await locks.tryLock('round.1'), null, 'a held lock was granted twice');
await guard.release();
const again = await locks.tryLock('round.1');
assert.ok(again, 'a released lock could not be taken again');
await again.release();
await assert.rejects(locks.lock('bad name', { timeout: 0 }), { name: 'InvalidLockNameError' });
console.log(`smoke: built package imported in Node ${process.version}; lock/unlock ok (scope ${locks.scope})`);
