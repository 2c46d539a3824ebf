/**
 * `crosslock/leader` over the lease protocol and its real IndexedDB store (fake-indexeddb), with time
 * controlled: fake timers drive the election's beats, the lease renewals (a Ticker on page timers, as
 * in a realm without Worker) and the waiters' retries; time moves in 10 ms steps, each followed by a
 * turn of the event loop so fake-indexeddb's transactions (on the real setImmediate) complete. The
 * managers share one realm, so the election's announcements use the in-realm bus (scope 'realm').
 */
import 'fake-indexeddb/auto';
import { deleteDB } from 'idb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LeaseLockManager } from '../../src/lease/manager.js';
import { LEASE_DEFAULTS } from '../../src/lease/settings.js';
import { LeaderElection } from '../../src/leader.js';
import { IndexedDbLeaseStore } from '../../src/stores/indexeddb/store.js';
import { Ticker } from '../../src/stores/indexeddb/ticker.js';

class RealmLeaseManager extends LeaseLockManager {
  readonly backend = 'indexeddb';
  readonly scope = 'realm';
}

let database: string;
const open: Array<{ close(): Promise<void> }> = [];
beforeEach(() => {
  database = `leader-leases-${Math.random().toString(36).slice(2)}`;
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance', 'Date'] });
});
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.close();
  vi.useRealTimers();
  await deleteDB(database);
});

function election() {
  const renewals = new Ticker(LEASE_DEFAULTS.renewMs);
  const manager = new RealmLeaseManager('w', LEASE_DEFAULTS, {
    store: new IndexedDbLeaseStore(database, Infinity),
    bus: undefined,
    heartbeat: renewals,
    clock: { now: () => Date.now(), mono: () => performance.now() },
    lifecycle: undefined,
  });
  const e = new LeaderElection(manager, 'wallet', { heartbeatMs: 100, staleAfterMs: 1000 });
  open.push(manager, e);
  return { manager, e, renewals };
}

/** `ms` of fake time in 10 ms steps, letting IndexedDB work between steps. */
async function pass(ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 10) {
    await vi.advanceTimersByTimeAsync(10);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function settle<T>(promise: Promise<T>, within = 5000): Promise<T> {
  let done = false;
  void promise.finally(() => (done = true)).catch(() => {});
  for (let t = 0; t < within && !done; t += 10) await pass(10);
  return promise;
}

describe('LeaderElection on IndexedDB leases (fake-indexeddb, controlled time)', () => {
  it('elects one of three; everyone learns who leads; resign hands over with a higher term', async () => {
    const tabs = [election(), election(), election()];
    const attempts = tabs.map((x) => x.e.lead());
    const first = await settle(Promise.race(attempts));
    await pass(200);
    expect(tabs.filter((x) => x.e.isLeader)).toHaveLength(1);
    const leader = tabs.find((x) => x.e.isLeader)!;
    for (const x of tabs) expect(x.e.leader).toMatchObject({ clientId: leader.manager.clientId, term: first.term });
    await first.resign();
    const second = await settle(Promise.race(attempts.filter((_, i) => tabs[i] !== leader)));
    expect(second.term).toBeGreaterThan(first.term);
    await pass(200);
    for (const x of tabs) expect(x.e.leader?.term).toBe(second.term);
  });

  it('a leader that keeps renewing and beating is never replaced, however long', async () => {
    const [a, b] = [election(), election()];
    const lead = await settle(a.e.lead());
    const waiting = b.e.lead();
    await pass(10_000); // ten times staleAfterMs, six leases
    expect(lead.signal.aborted).toBe(false);
    expect(a.e.isLeader).toBe(true);
    expect(b.e.isLeader).toBe(false);
    await lead.resign();
    expect((await settle(waiting)).term).toBeGreaterThan(lead.term);
  });

  it('a leader whose lease lapses (its renewals stopped: frozen) is replaced with a higher term, and its signal says expired', async () => {
    const [a, b] = [election(), election()];
    const lead = await settle(a.e.lead());
    const waiting = b.e.lead();
    a.renewals.stop(); // a's lease renewals stop, as a frozen tab's would; time goes on for b
    const next = await settle(waiting, 5000);
    expect(next.term).toBeGreaterThan(lead.term);
    expect(lead.signal.aborted).toBe(true); // reading it checks the lease's deadline
    expect(lead.signal.reason).toMatchObject({ name: 'LockLostError', kind: 'expired' });
    expect(a.e.isLeader).toBe(false);
  });

  it('close(): a waiting lead() rejects with ManagerClosedError; a leadership ends (closed) and the lock is free', async () => {
    const [a, b] = [election(), election()];
    const lead = await settle(a.e.lead());
    const waiting = b.e.lead();
    await b.e.close();
    await expect(waiting).rejects.toMatchObject({ name: 'ManagerClosedError' });
    await settle(a.e.close());
    expect(lead.signal.reason).toMatchObject({ name: 'LeadershipEndedError', kind: 'closed' });
    expect(await settle(a.manager.tryLock('wallet'))).not.toBeNull();
  });
});
