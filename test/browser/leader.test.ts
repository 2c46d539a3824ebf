/**
 * `crosslock/leader` on Web Locks in Chromium: a leader that stops beating (here: one whose own
 * heartbeat is far slower than its follower's patience, as a frozen tab's would be) keeps its Web Lock,
 * so the first follower steals it after `staleAfterMs`: the term goes up, the old leader is told
 * `LockLostError('stolen')`, and its fenced writes are refused. A leader that beats is never replaced.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { deleteDB } from 'idb';
import { FencedStore } from '../../src/fenced.js';
import { WebLockManager } from '../../src/index.js';
import { LeaderElection, type Leadership } from '../../src/leader.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

function setup() {
  const prefix = `l${Math.random().toString(36).slice(2, 10)}`;
  const database = `leader-${prefix}`;
  const make = (options: { heartbeatMs: number; staleAfterMs: number }) => {
    const manager = new WebLockManager({ prefix, database });
    const election = new LeaderElection(manager, 'wallet', options);
    cleanup.push(() => manager.close(), () => election.close());
    return { manager, election };
  };
  cleanup.push(() => deleteDB(database));
  return { database, make };
}

describe('LeaderElection on Web Locks', () => {
  it('a follower takes over from a leader that stopped beating: higher term, the old one told stolen, its writes refused', async () => {
    const { database, make } = setup();
    const silent = make({ heartbeatMs: 1_000_000, staleAfterMs: 4_000_000 });
    const follower = make({ heartbeatMs: 50, staleAfterMs: 300 });
    const old = await silent.election.lead();
    const store = new FencedStore<string>({ namespace: 'n', database });
    cleanup.push(() => store.close());
    await store.put(old.guard, 'backup', 'old');
    const started = performance.now();
    const next = await follower.election.lead();
    expect(performance.now() - started).toBeGreaterThanOrEqual(300);
    expect(next.term).toBeGreaterThan(old.term);
    expect(old.signal.aborted).toBe(true);
    expect(old.signal.reason).toMatchObject({ name: 'LockLostError', kind: 'stolen' });
    await expect(store.put(old.guard, 'backup', 'stale')).rejects.toMatchObject({ name: 'StaleLockError' });
    await store.put(next.guard, 'backup', 'new');
    expect(await store.get('backup')).toBe('new');
    expect(follower.election.leader).toMatchObject({ clientId: follower.manager.clientId, term: next.term });
    await expect.poll(() => silent.election.leader?.term).toBe(next.term);
  });

  it('a leader that beats is never replaced, however long', async () => {
    const { make } = setup();
    const leader = make({ heartbeatMs: 50, staleAfterMs: 300 });
    const follower = make({ heartbeatMs: 50, staleAfterMs: 300 });
    const lead = await leader.election.lead();
    const controller = new AbortController();
    const waiting = follower.election.lead({ signal: controller.signal });
    // Long enough for six takeovers if beats did not count, waited for on an event, not a timer.
    let beats = 0;
    await new Promise<void>((resolve) => {
      const channel = new BroadcastChannel(`crosslock:leader:v1:${leader.manager.prefix}:leader+wallet`);
      channel.onmessage = (e) => {
        if (e.data?.t === 'beat' && ++beats === 40) {
          channel.close();
          resolve();
        }
      };
    });
    expect(lead.signal.aborted).toBe(false);
    expect(leader.election.isLeader).toBe(true);
    controller.abort();
    await expect(waiting).rejects.toBeDefined();
  });

  it('of several followers, only the first in the queue takes over, once (one steal: term + 1)', async () => {
    const { make } = setup();
    const silent = make({ heartbeatMs: 1_000_000, staleAfterMs: 4_000_000 });
    const old = await silent.election.lead();
    // The first in the queue is the LEAST eager: were "first" not a rule, an eager one behind it would steal first.
    const followers = [
      make({ heartbeatMs: 100, staleAfterMs: 600 }),
      make({ heartbeatMs: 50, staleAfterMs: 300 }),
      make({ heartbeatMs: 50, staleAfterMs: 300 }),
    ];
    const leads: Array<Promise<Leadership>> = [];
    for (const [i, f] of followers.entries()) {
      leads.push(f.election.lead());
      // Queued in this order: the next asks only once this one's request waits in the lock's queue.
      await expect.poll(async () => (await f.manager.query()).pending.filter((l) => l.name === f.election.lockName).length).toBe(i + 1);
    }
    const first = await Promise.race(leads);
    expect(followers[0]!.election.isLeader).toBe(true);
    expect(first.term).toBe(old.term + 1);
    expect(old.signal.reason).toMatchObject({ kind: 'stolen' });
    // Nobody steals from the new leader: it beats.
    let beats = 0;
    await new Promise<void>((resolve) => {
      const channel = new BroadcastChannel(`crosslock:leader:v1:${silent.manager.prefix}:leader+wallet`);
      channel.onmessage = (e) => {
        if (e.data?.t === 'beat' && e.data.term === first.term && ++beats === 20) {
          channel.close();
          resolve();
        }
      };
    });
    expect(first.signal.aborted).toBe(false);
    expect(followers.filter((f) => f.election.isLeader)).toHaveLength(1);
  });
});
