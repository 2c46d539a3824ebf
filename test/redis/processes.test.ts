/**
 * Multi-process claims, with real Node child processes (fixtures/contender.ts) on a real redis-server:
 * 4 processes looping on one lock never overlap and lose no update (checked in Redis); a holder killed
 * with SIGKILL hands over within its lease + 200 ms; a holder stopped (SIGSTOP) past its lease loses the
 * lock to a waiter that writes, and once resumed (SIGCONT) is told before it acts and its write refused.
 * Every wait is on a message from a child; no test sleeps.
 */
import { describe, expect, it } from 'vitest';
import { RedisFencedStore } from '../../src/redis.js';
import { ask, CHILD_LEASE_MS, exited, next, start } from './children.js';
import { connect, randomDatabase } from './harness.js';

const LEASE_MS = CHILD_LEASE_MS;

describe('RedisLockManager across processes', { timeout: 30_000 }, () => {
  it('4 processes looping on one lock: never two inside, no lost update', async () => {
    const database = randomDatabase();
    const iterations = 50;
    const procs = Array.from({ length: 4 }, () => start(database, 'loop', String(iterations)));
    const results = await Promise.all(procs.map((p) => next<{ violations: number }>(p, 'done')));
    expect(results.map((r) => r.violations)).toEqual([0, 0, 0, 0]);
    const client = await connect();
    expect(await client.get(`${database}:counter`)).toBe(String(4 * iterations));
  });

  it(`a holder killed with SIGKILL: a waiting process acquires within the lease (${LEASE_MS} ms) + 200 ms`, async () => {
    const database = randomDatabase();
    const holder = start(database, 'hold');
    const held = await next<{ generation: number }>(holder, 'held');
    const waiter = start(database, 'wait');
    const acquired = next<{ generation: number }>(waiter, 'acquired');
    // The waiter is queued once the record shows it (a process that had not asked yet would prove nothing).
    const client = await connect();
    for (;;) {
      const record = JSON.parse((await client.hGet(`crosslock:{${database}}:records`, '+x')) ?? '{}') as { queue?: unknown[] };
      if (record.queue?.length) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    const killedAt = performance.now();
    holder.kill('SIGKILL');
    const { generation } = await acquired;
    const failover = performance.now() - killedAt;
    expect(generation).toBeGreaterThan(held.generation);
    expect(failover).toBeLessThanOrEqual(LEASE_MS + 200);
    await next(waiter, 'wrote');
  });

  it('a holder stopped past its lease: a waiter takes over and writes; resumed, the holder is told before it acts and its write is refused', async () => {
    const database = randomDatabase();
    const holder = start(database, 'hold');
    const held = await next<{ generation: number }>(holder, 'held');
    holder.kill('SIGSTOP');
    const waiter = start(database, 'wait');
    const { generation } = await next<{ generation: number }>(waiter, 'acquired');
    expect(generation).toBeGreaterThan(held.generation);
    await next(waiter, 'wrote');
    holder.kill('SIGCONT');
    let report: { refused: boolean; attempts: Array<{ aborted: boolean; outcome: string }>; reason?: string; kind?: string };
    do report = await ask(holder, 'report', 'report');
    while (!report.refused);
    // Before the stop its writes landed; after it, the very first write already saw the signal aborted
    // (told before it acts) and was refused; no write that thought it held the lock was refused.
    const firstTold = report.attempts.findIndex((a) => a.aborted);
    expect(firstTold).toBeGreaterThanOrEqual(0);
    expect(report.attempts.filter((a) => !a.aborted)).toEqual(report.attempts.slice(0, firstTold).map(() => ({ aborted: false, outcome: 'ok' })));
    expect(report.attempts[firstTold]).toEqual({ aborted: true, outcome: 'StaleLockError' });
    expect(report).toMatchObject({ reason: 'LockLostError', kind: 'expired' });
    const client = await connect();
    expect(await new RedisFencedStore<string>({ client, database, namespace: 'wallet' }).get('owner')).toBe('waiter');
    holder.kill('SIGKILL');
    await exited(holder);
  });
});
