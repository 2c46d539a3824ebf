/**
 * `crosslock/leader` over the memory backend, with time controlled (fake timers drive the heartbeat;
 * the announcement bus delivers as microtasks). The Web Locks takeover of a frozen leader is proven in
 * Chromium (test/browser/leader.test.ts, e2e).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ElectionBusyError, LeaderElection, LeadershipEndedError, type LeaderInfo } from '../../src/leader.js';
import { MemoryLockManager, MemoryLockSpace } from '../../src/memory.js';
import { LockLostError, ManagerClosedError } from '../../src/index.js';

let space: MemoryLockSpace;
const open: Array<{ close(): Promise<void> }> = [];
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance', 'Date'] });
  space = new MemoryLockSpace();
});
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.close();
  vi.useRealTimers();
});

function election(name = 'wallet', options = {}) {
  const manager = new MemoryLockManager({ space, prefix: 'w' });
  const e = new LeaderElection(manager, name, options);
  open.push(manager, e);
  const changes: Array<LeaderInfo | null> = [];
  e.addEventListener('change', (event) => changes.push(event.leader));
  return { manager, e, changes };
}

/** Lets queued promise callbacks and bus messages run, and `ms` of fake time pass. */
async function pass(ms = 0) {
  await vi.advanceTimersByTimeAsync(ms);
}

describe('LeaderElection (memory backend)', () => {
  it('elects exactly one of three; everyone learns who leads; the next leader has a higher term', async () => {
    const [a, b, c] = [election(), election(), election()];
    const attempts = [a, b, c].map((x) => x.e.lead());
    const first = await Promise.race(attempts);
    await pass(10);
    expect([a, b, c].filter((x) => x.e.isLeader)).toHaveLength(1);
    const leader = [a, b, c].find((x) => x.e.isLeader)!;
    for (const x of [a, b, c]) expect(x.e.leader).toEqual({ clientId: leader.manager.clientId, term: first.term, since: expect.any(Number) });
    await first.resign();
    const second = await Promise.race(attempts.filter((_, i) => [a, b, c][i] !== leader));
    expect(second.term).toBeGreaterThan(first.term);
    await pass(10);
    expect([a, b, c].filter((x) => x.e.isLeader)).toHaveLength(1);
    for (const x of [a, b, c]) expect(x.e.leader?.term).toBe(second.term);
    expect(first.signal.reason).toBeInstanceOf(LeadershipEndedError);
    expect(first.signal.reason).toMatchObject({ kind: 'resigned' });
    expect(leader.changes.map((l) => l?.term ?? null)).toEqual([first.term, null, second.term]);
  });

  it('a new election learns of the leader at once (it asks), not on the next beat', async () => {
    const a = election();
    const lead = await a.e.lead();
    const b = election();
    await pass(0);
    expect(b.e.leader?.term).toBe(lead.term);
  });

  it('a leader keeps beating: a follower never sees it go stale while it runs', async () => {
    const a = election();
    const b = election();
    const lead = await a.e.lead();
    const waiting = b.e.lead();
    await pass(60_000);
    expect(a.e.isLeader).toBe(true);
    expect(b.e.leader?.clientId).toBe(a.manager.clientId);
    await lead.resign();
    await waiting;
    expect(b.e.isLeader).toBe(true);
  });

  it('the leadership signal aborts with the lock\'s LockLostError when the manager closes', async () => {
    const a = election();
    const lead = await a.e.lead();
    await a.manager.close();
    expect(lead.signal.aborted).toBe(true);
    expect(lead.signal.reason).toBeInstanceOf(LockLostError);
    expect(lead.signal.reason).toMatchObject({ kind: 'closed' });
    expect(a.e.isLeader).toBe(false);
  });

  it('close(): a waiting lead() rejects with ManagerClosedError, a leadership ends (closed), later lead() rejects', async () => {
    const a = election();
    const b = election();
    const lead = await a.e.lead();
    const waiting = b.e.lead();
    await b.e.close();
    await expect(waiting).rejects.toBeInstanceOf(ManagerClosedError);
    await expect(b.e.lead()).rejects.toBeInstanceOf(ManagerClosedError);
    await a.e.close();
    expect(lead.signal.reason).toMatchObject({ name: 'LeadershipEndedError', kind: 'closed' });
    expect((await a.manager.query()).held).toEqual([]); // released
  });

  it('one lead() at a time; an aborted lead() rejects with the reason and leaves no trace', async () => {
    const a = election();
    const b = election();
    await a.e.lead();
    await expect(a.e.lead()).rejects.toBeInstanceOf(ElectionBusyError);
    const controller = new AbortController();
    const waiting = b.e.lead({ signal: controller.signal });
    await expect(b.e.lead()).rejects.toBeInstanceOf(ElectionBusyError);
    controller.abort(new Error('user gave up'));
    await expect(waiting).rejects.toThrow('user gave up');
    expect((await b.manager.query()).pending).toEqual([]);
    const aborted = AbortSignal.abort(new Error('already'));
    await expect(b.e.lead({ signal: aborted })).rejects.toThrow('already');
  });

  it('resign() is idempotent and lets the next follower lead; `await using` resigns', async () => {
    const a = election();
    const b = election();
    let waiting: ReturnType<LeaderElection["lead"]> | undefined;
    {
      await using lead = await a.e.lead();
      waiting = b.e.lead();
      expect(lead.term).toBeGreaterThan(0);
    }
    const next = await waiting;
    expect(b.e.isLeader).toBe(true);
    await next.resign();
    await next.resign();
    expect(b.e.isLeader).toBe(false);
  });

  it('checks its options', () => {
    const manager = new MemoryLockManager({ space });
    open.push(manager);
    expect(() => new LeaderElection(manager, 'x', { staleAfterMs: -1 })).toThrow(expect.objectContaining({ name: 'OptionRangeError', option: 'staleAfterMs' }));
    expect(() => new LeaderElection(manager, 'x', { staleAfterMs: 1000, heartbeatMs: 500 })).toThrow(expect.objectContaining({ name: 'OptionRangeError', option: 'heartbeatMs' }));
    expect(() => new LeaderElection(manager, 'x', { nope: 1 } as object)).toThrow(expect.objectContaining({ name: 'InvalidOptionError' }));
    expect(() => new LeaderElection({} as MemoryLockManager, 'x')).toThrow(TypeError);
    expect(() => new LeaderElection(manager, '')).toThrow(expect.objectContaining({ name: 'InvalidLockNameError' }));
    expect(() => new LeaderElection(manager, 'x', { preferVisible: 'yes' } as object)).toThrow(expect.objectContaining({ name: 'InvalidOptionError', option: 'preferVisible' }));
    // Where there is no page (Node, a worker), preferVisible has nothing to prefer: accepted, inert.
    const inert = new LeaderElection(manager, 'x', { preferVisible: true });
    open.push(inert);
    expect(inert.preferVisible).toBe(true);
  });

  it('a leadership whose guard the app released itself ends at the next beat, and says so', async () => {
    const a = election();
    const b = election();
    const lead = await a.e.lead();
    await pass(10);
    expect(b.e.leader?.term).toBe(lead.term);
    await lead.guard.release();
    await pass(a.e.heartbeatMs);
    expect(a.e.isLeader).toBe(false);
    expect(lead.signal.reason).toMatchObject({ name: 'LeadershipEndedError', kind: 'resigned' });
    expect(b.e.leader).toBeNull();
  });

  it('a Web Locks leader that did not run for staleAfterMs - heartbeatMs (frozen, thread blocked) steps down the moment it reads its signal', async () => {
    // Only Web Locks leaders can be stolen from: the memory backend, calling itself that, stands in.
    const stealable = (): MemoryLockManager => Object.defineProperty(new MemoryLockManager({ space, prefix: 'w' }), 'backend', { value: 'web-locks' });
    const make = () => {
      const manager = stealable();
      const e = new LeaderElection(manager, 'wallet', { heartbeatMs: 100, staleAfterMs: 1000 });
      open.push(manager, e);
      return { manager, e };
    };
    const [a, b] = [make(), make()];
    const lead = await a.e.lead();
    const next = b.e.lead();
    await pass(800); // beats every 100 ms (the last one now): sure all along
    expect(lead.signal.aborted).toBe(false);
    // No tick ran for 899 ms: still within the margin.
    const frozenAt = performance.now();
    const clock = vi.spyOn(performance, 'now').mockReturnValue(frozenAt + 899);
    expect(a.e.isLeader).toBe(true);
    // 900 ms (staleAfterMs - heartbeatMs) without a beat: a follower may have stolen by now; no task has run yet.
    clock.mockReturnValue(frozenAt + 900);
    expect(a.e.isLeader).toBe(false);
    expect(lead.signal.reason).toMatchObject({ name: 'LeadershipEndedError', kind: 'stale' });
    clock.mockRestore();
    // It let the lock go: the follower leads, with a higher term.
    const second = await next;
    expect(second.term).toBeGreaterThan(lead.term);
  });

  it('a lease-style leader (not Web Locks) is not stepped down by the election: its lease is what lapses', async () => {
    const a = election('wallet', { heartbeatMs: 100, staleAfterMs: 1000 });
    const lead = await a.e.lead();
    const clock = vi.spyOn(performance, 'now').mockReturnValue(performance.now() + 5000);
    expect(a.e.isLeader).toBe(true);
    expect(lead.signal.aborted).toBe(false);
    clock.mockRestore();
  });
});

describe('election names', () => {
  it('the longest election name leads, with or without a prefix; one byte more is refused when the election is made, naming the limit', async () => {
    for (const prefix of [undefined, 'p'.repeat(64)]) {
      const manager = new MemoryLockManager({ space, ...(prefix === undefined ? {} : { prefix }) });
      open.push(manager);
      const longest = 200 - (prefix?.length ?? 0) - '+leader+'.length;
      const e = new LeaderElection(manager, 'e'.repeat(longest));
      open.push(e);
      const lead = await e.lead();
      expect(lead.name).toBe('e'.repeat(longest));
      expect((await manager.query()).held).toEqual([expect.objectContaining({ name: e.lockName })]);
      expect(() => new LeaderElection(manager, 'e'.repeat(longest + 1))).toThrow(
        expect.objectContaining({ name: 'InvalidLockNameError', message: expect.stringContaining(`1 to ${longest} of`) }),
      );
    }
  });

  it("an app's lock and an election of the same name never meet: neither waits for the other", async () => {
    const a = election('sync');
    const lead = await a.e.lead();
    const app = await a.manager.tryLock('sync');
    expect(app).not.toBeNull();
    expect(await a.manager.tryLock('sync')).toBeNull(); // the app's own lock is still the app's
    expect((await a.manager.query()).held.map((l) => l.name).sort()).toEqual(['leader+sync', 'sync']);
    await app!.release();
    expect(a.e.isLeader).toBe(true);
    expect(lead.signal.aborted).toBe(false);
  });
});
