/**
 * `steal` on the lease backends (as in Web Locks, for the Web Locks polyfill): the thief holds at once,
 * the robbed holder is told ('stolen') and its fenced write refused, the queue behind is kept; bad
 * combinations are refused like WebLockManager's. fake-indexeddb; the managers' bus is Node's BroadcastChannel.
 */
import 'fake-indexeddb/auto';
import { deleteDB } from 'idb';
import { afterEach, describe, expect, it } from 'vitest';
import { FencedStore } from '../../src/fenced.js';
import { IndexedDbLockManager } from '../../src/indexeddb.js';
import { decide } from '../../src/lease/decide.js';
import type { LockLostError } from '../../src/index.js';

const open: Array<{ close(): unknown }> = [];
let database = '';
afterEach(async () => {
  for (const x of open.splice(0)) await x.close();
  await deleteDB(database);
});
function manager(): IndexedDbLockManager {
  database ||= `steal-${Math.random().toString(36).slice(2)}`;
  const m = new IndexedDbLockManager({ database });
  open.push(m);
  return m;
}
const lostReason = (signal: AbortSignal): Promise<LockLostError> =>
  new Promise((resolve) => (signal.aborted ? resolve(signal.reason) : signal.addEventListener('abort', () => resolve(signal.reason), { once: true })));

describe('steal on leases', () => {
  it('the rule: every holder goes, the thief holds, the queue stays, the generation moves on a new owner', () => {
    const now = 1_000_000;
    const entry = (owner: string, token: string, mode: 'exclusive' | 'shared') => ({ owner, token, mode, expires: now + 5000, lease: 5000 });
    const stored = { v: 2, generation: 7, lastOwner: 'a', used: now, holders: [entry('a', 'r1', 'shared'), entry('b', 'r2', 'shared')], queue: [entry('c', 'w1', 'exclusive')] };
    const d = decide(stored, { now, lease: 1500, owner: 'd', token: 't', mode: 'exclusive', intent: 'steal' });
    expect(d.verdict).toBe('take');
    expect(d.stolen.map((e) => e.token)).toEqual(['r1', 'r2']);
    expect(d.record.holders).toEqual([{ owner: 'd', token: 't', mode: 'exclusive', expires: now + 1500, lease: 1500 }]);
    expect(d.record.queue.map((e) => e.token)).toEqual(['w1']);
    expect(d.record.generation).toBe(8);
  });

  it("takes a held lock at once; the robbed holder is told 'stolen' and its fenced write refused; the waiter behind comes next", async () => {
    database = '';
    const [a, b, c] = [manager(), manager(), manager()];
    const store = new FencedStore<string>({ namespace: 'w', database });
    open.push(store);
    const victim = await a.lock('x', { timeout: 1000 });
    const waiting = c.lock('x', { timeout: 5000 });
    for (;;) if ((await c.query()).pending.length === 1) break;
    const thief = await b.lock('x', { timeout: 0, steal: true });
    expect(thief.generation).toBeGreaterThan(victim.generation!);
    expect(await lostReason(victim.signal)).toMatchObject({ name: 'LockLostError', kind: 'stolen' });
    await expect(store.put(victim, 'k', 'late')).rejects.toMatchObject({ name: 'StaleLockError' });
    await store.put(thief, 'k', 'thief');
    await thief.release();
    const next = await waiting;
    expect(next.generation).toBeGreaterThan(thief.generation!);
    await next.release();
    await victim.release(); // finds nothing to release: harmless
    expect(await store.get('k')).toBe('thief');
  });

  it('refuses steal with a wait, a signal or shared mode, like WebLockManager', async () => {
    database = '';
    const m = manager();
    await expect(m.lock('x', { timeout: 100, steal: true })).rejects.toMatchObject({ name: 'InvalidOptionError', option: 'steal' });
    await expect(m.lock('x', { timeout: 0, steal: true, mode: 'shared' })).rejects.toMatchObject({ name: 'InvalidOptionError', option: 'steal' });
    await expect(m.lock('x', { timeout: 0, steal: 'yes' as never })).rejects.toMatchObject({ name: 'InvalidOptionError', option: 'steal' });
  });
});
