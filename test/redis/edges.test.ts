/**
 * RedisLockManager's own edges: its options, a client in the wrong state, Redis restarted or stopped
 * answering mid-hold (guards told with a typed reason, waiters recover once it is back, nothing hangs),
 * hosts whose clocks differ (expiries are Redis time), and sweeping (a swept name never repeats a
 * generation). Servers that are restarted or paused are this file's own (tools/redis.ts).
 */
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { LockLostError, type LockGuard } from '../../src/index.js';
import { RedisLockManager } from '../../src/redis.js';
import { Commands, redisError } from '../../src/stores/redis/client.js';
import { RedisClock } from '../../src/stores/redis/clock.js';
import { keysOf } from '../../src/stores/redis/scripts.js';
import { RedisLeaseStore } from '../../src/stores/redis/store.js';
import { PROTOCOL_VERSION } from '../../src/lease/messages.js';
import { startRedis, type RedisServer } from '../../tools/redis.js';
import { agedDatabase, connect, randomDatabase } from './harness.js';

const client = await connect();
const managers: RedisLockManager[] = [];
const servers: RedisServer[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(managers.splice(0).map((m) => m.close()));
});
afterAll(async () => void (await Promise.all(servers.map((s) => s.stop()))));

function manager(options: Partial<ConstructorParameters<typeof RedisLockManager>[0]> = {}): RedisLockManager {
  const m = new RedisLockManager({ client, database: randomDatabase(), ...options });
  managers.push(m);
  return m;
}

/** Resolves with the guard's signal's reason once it aborts. */
const lost = (guard: LockGuard): Promise<LockLostError> =>
  new Promise((resolve) => (guard.signal.aborted ? resolve(guard.signal.reason as LockLostError) : guard.signal.addEventListener('abort', () => resolve(guard.signal.reason as LockLostError), { once: true })));

describe('RedisLockManager options and client state', () => {
  it('checks its options with typed errors', async () => {
    expect(() => new RedisLockManager(undefined as never)).toThrow(expect.objectContaining({ name: 'InvalidOptionError' }));
    expect(() => new RedisLockManager({} as never)).toThrow(expect.objectContaining({ name: 'InvalidOptionError', option: 'client' }));
    expect(() => new RedisLockManager({ client: { sendCommand() {} } as never })).toThrow(expect.objectContaining({ name: 'InvalidOptionError', option: 'client' }));
    expect(() => new RedisLockManager({ client, leaseMs: -1 })).toThrow(expect.objectContaining({ name: 'OptionRangeError', option: 'leaseMs' }));
    expect(() => new RedisLockManager({ client, leaseMs: 1000, renewMs: 600 })).toThrow(expect.objectContaining({ name: 'OptionRangeError', option: 'renewMs' }));
    expect(() => new RedisLockManager({ client, commandTimeoutMs: 'soon' as never })).toThrow(expect.objectContaining({ name: 'InvalidOptionError', option: 'commandTimeoutMs' }));
    expect(() => new RedisLockManager({ client, database: '' })).toThrow(expect.objectContaining({ name: 'InvalidOptionError', option: 'database' }));
    expect(() => new RedisLockManager({ client, colour: 'red' } as never)).toThrow(expect.objectContaining({ name: 'InvalidOptionError' }));
    const m = manager();
    expect([m.backend, m.scope, m.settings.leaseMs, m.settings.renewMs]).toEqual(['redis', 'cluster', 5000, 1000]);
    expect(manager({ leaseMs: 3000 }).settings.renewMs).toBe(600);
  });

  it('refuses a client that is not connected, and fails calls with StorageError once its client is closed', async () => {
    const { createClient } = await import('redis');
    expect(() => new RedisLockManager({ client: createClient() })).toThrow(expect.objectContaining({ name: 'InvalidOptionError', option: 'client' }));
    const own = await connect();
    const m = new RedisLockManager({ client: own, database: randomDatabase() });
    const guard = await m.lock('x', { timeout: 1000 });
    await own.close();
    await expect(m.tryLock('y')).rejects.toMatchObject({ name: 'StorageError', kind: 'unavailable' });
    // A closed client never comes back: a waiter fails at once (not at its timeout, not never), and the
    // held guard is told at its next renewal.
    await expect(m.lock('x', { timeout: Infinity })).rejects.toMatchObject({ name: 'StorageError', kind: 'unavailable' });
    expect(await lost(guard)).toMatchObject({ name: 'LockLostError', kind: 'renewal-failed' });
    // close() closes, and says that the guard's release could not reach Redis (its lease lapses there).
    await expect(m.close()).rejects.toMatchObject({ name: 'StorageError', kind: 'unavailable' });
    await expect(m.tryLock('y')).rejects.toMatchObject({ name: 'ManagerClosedError' });
  });
});

describe('RedisLockManager when Redis goes away', { timeout: 20_000 }, () => {
  it('restarted mid-hold (empty): the holder is told with a typed reason; a waiter gets the lock once it is back, at a higher generation', async () => {
    const server = await startRedis();
    servers.push(server);
    const [a, b] = [await connect(server.url), await connect(server.url)];
    const database = await agedDatabase(server.url);
    const holder = new RedisLockManager({ client: a, database, leaseMs: 1000 });
    const waiter = new RedisLockManager({ client: b, database, leaseMs: 1000 });
    managers.push(holder, waiter);
    const guard = await holder.lock('x', { timeout: 1000 });
    const waiting = waiter.lock('x', { timeout: 15_000 });
    await vi.waitUntil(async () => (await waiter.query()).pending.length === 1, { timeout: 5000, interval: 5 });
    await server.restart();
    const reason = await lost(guard);
    expect(reason.name).toBe('LockLostError');
    expect(['renewal-failed', 'expired']).toContain(reason.kind);
    const next = await waiting;
    expect(next.generation).toBeGreaterThan(guard.generation!);
    await next.release();
    // The holder's client reconnects on its own backoff; closing its manager then tidies its lost grant.
    await vi.waitUntil(() => a.isReady, { timeout: 10_000, interval: 5 });
  });

  it('stopped answering (SIGSTOP): calls fail with StorageError after commandTimeoutMs, never hang; it works again once resumed', async () => {
    const server = await startRedis();
    servers.push(server);
    const c = await connect(server.url);
    const m = new RedisLockManager({ client: c, database: await agedDatabase(server.url), leaseMs: 1000, commandTimeoutMs: 300 });
    managers.push(m);
    const guard = await m.lock('x', { timeout: 1000 });
    server.pause(true);
    try {
      await expect(m.tryLock('y')).rejects.toMatchObject({ name: 'StorageError', kind: 'unavailable' });
      expect(['renewal-failed', 'expired']).toContain((await lost(guard)).kind);
    } finally {
      server.pause(false);
    }
    await vi.waitUntil(() => c.isReady, { timeout: 5000, interval: 5 });
    const again = await m.lock('y', { timeout: 5000 });
    expect(again.generation).toBeTypeOf('number');
    await again.release();
  });
});

describe('coordination layers over RedisLockManager', () => {
  it('crosslock/service refuses a cluster manager with UnsupportedError (its calls are structured clones within one browser or process)', async () => {
    const { serve, connect } = await import('../../src/service.js');
    const m = manager();
    expect(() => serve('wallet', {}, { manager: m })).toThrow(expect.objectContaining({ name: 'UnsupportedError' }));
    expect(() => connect('wallet', { manager: m })).toThrow(expect.objectContaining({ name: 'UnsupportedError' }));
  });
});

describe('RedisLockManager renewals', { timeout: 20_000 }, () => {
  it('a blip shorter than the lease (Redis paused 2 renewals long) loses nothing: renewals resume', async () => {
    const server = await startRedis();
    servers.push(server);
    const c = await connect(server.url);
    const m = new RedisLockManager({ client: c, database: await agedDatabase(server.url), leaseMs: 3000, renewMs: 200, commandTimeoutMs: 200 });
    managers.push(m);
    const guard = await m.lock('x', { timeout: 1000 });
    server.pause(true);
    try {
      // Two commands timing out: 400 ms without Redis, two renewal ticks failed meanwhile.
      for (let i = 0; i < 2; i++) await expect(m.tryLock('y')).rejects.toMatchObject({ name: 'StorageError', kind: 'unavailable' });
    } finally {
      server.pause(false);
    }
    const records = `crosslock:{${m.database}}:records`;
    const expiry = async () => (JSON.parse((await c.hGet(records, '+x'))!) as { holders: Array<{ expires: number }> }).holders[0]!.expires;
    const before = await expiry();
    await vi.waitUntil(async () => (await expiry()) > before, { timeout: 5000, interval: 20 });
    expect(guard.signal.aborted).toBe(false);
    await guard.release();
  });

  it('two shared grants of one name in one process are both renewed (one record, two rules in a row)', async () => {
    const database = randomDatabase();
    const m = manager({ database, leaseMs: 1000, renewMs: 200 });
    const [r1, r2] = [await m.lock('cfg', { timeout: 1000, mode: 'shared' }), await m.lock('cfg', { timeout: 1000, mode: 'shared' })];
    const records = `crosslock:{${database}}:records`;
    const expiries = async () => (JSON.parse((await client.hGet(records, '+cfg'))!) as { holders: Array<{ expires: number }> }).holders.map((h) => h.expires);
    const first = await expiries();
    expect(first).toHaveLength(2);
    // Both entries renewed past their first lease (the bug: only the last rule's write landed).
    await vi.waitUntil(
      async () => {
        const now = await expiries();
        return now.length === 2 && now.every((e, i) => e > first[i]! + 1000);
      },
      { timeout: 3000, interval: 20 },
    );
    expect([r1.signal.aborted, r2.signal.aborted]).toEqual([false, false]);
    expect(await manager({ database }).tryLock('cfg')).toBeNull();
    await r1.release();
    await r2.release();
  });
});

describe('RedisLockManager time', () => {
  it("expiries are Redis time: a process whose clock is an hour behind still excludes the others", async () => {
    const database = randomDatabase();
    const late = manager({ database, leaseMs: 1000 });
    const onTime = manager({ database, leaseMs: 1000 });
    const realNow = Date.now.bind(Date);
    vi.spyOn(Date, 'now').mockImplementation(() => realNow() - 3_600_000);
    const guard = await late.lock('x', { timeout: 1000 });
    vi.restoreAllMocks();
    // With its own clock, the late process would have written an expiry an hour in the past.
    expect(await onTime.tryLock('x')).toBeNull();
    await guard.release();
    expect(await onTime.tryLock('x')).not.toBeNull();
  });

  it('the first grant of a process whose clock is an hour behind is good (its deadline is the expiry Redis stored)', async () => {
    const database = randomDatabase();
    const realNow = Date.now.bind(Date);
    vi.spyOn(Date, 'now').mockImplementation(() => realNow() - 3_600_000);
    const late = manager({ database, leaseMs: 1000 });
    const guard = await late.tryLock('x');
    expect(guard).not.toBeNull();
    expect(guard!.signal.aborted).toBe(false);
    vi.restoreAllMocks();
    expect(await manager({ database }).tryLock('x')).toBeNull();
    await guard!.release();
  });

  it('a machine suspended past the lease (the wall clock moves, the monotonic one does not) is told at once on waking', async () => {
    const m = manager({ leaseMs: 1000, renewMs: 200 });
    const guard = await m.lock('x', { timeout: 1000 });
    expect(guard.signal.aborted).toBe(false);
    const realNow = Date.now.bind(Date);
    // Suspend: 5 s pass on the wall clock while performance.now() (CLOCK_MONOTONIC) stands still.
    vi.spyOn(Date, 'now').mockImplementation(() => realNow() + 5000);
    expect(guard.signal.aborted).toBe(true);
    expect(guard.signal.reason).toMatchObject({ name: 'LockLostError', kind: 'expired' });
    vi.restoreAllMocks();
  });

  it('RedisClock estimates Redis time from the monotonic clock, never behind it', () => {
    const clock = new RedisClock();
    const sent = clock.mono();
    clock.observe(1_000_000, sent);
    expect(clock.now()).toBeGreaterThanOrEqual(1_000_000);
    expect(clock.now()).toBeLessThan(1_000_000 + 1000);
  });
});

describe('Redis errors', () => {
  it('are typed by the reply code: busy or failing over is transient (unavailable), out of memory is quota, the rest failed', () => {
    const kind = (message: string, cls = 'ErrorReply') => {
      const error = Object.assign(new Error(message), {});
      Object.defineProperty(error, 'constructor', { value: { name: cls } });
      return redisError(error, 'x').kind;
    };
    expect(['LOADING Redis is loading the dataset in memory', 'BUSY Redis is busy running a script', 'READONLY You can\'t write against a read only replica.', 'MASTERDOWN Link with MASTER is down', 'TRYAGAIN Multiple keys request during rehashing'].map((m) => kind(m))).toEqual(['unavailable', 'unavailable', 'unavailable', 'unavailable', 'unavailable']);
    expect(kind("OOM command not allowed when used memory > 'maxmemory'.")).toBe('quota');
    expect(kind('ERR wrong number of arguments')).toBe('failed');
    expect(kind('NOSCRIPT No matching script')).toBe('failed');
    expect(kind('The client is closed', 'ClientClosedError')).toBe('unavailable');
    expect(kind('', 'TimeoutError')).toBe('unavailable');
  });
});

describe('RedisLeaseStore sweeping', () => {
  it('deletes an idle record and raises the floor over it, so the name starts above its old generation', async () => {
    const database = randomDatabase();
    const m = manager({ database });
    const first = await m.lock('round.1', { timeout: 1000 });
    await first.release();
    const store = new RedisLeaseStore(`redis:${database}`, new Commands(client, 2000), keysOf(database, PROTOCOL_VERSION), new RedisClock());
    const visited: string[] = [];
    let from: string | undefined;
    let removed = 0;
    do {
      const step = await store.sweep((_, name) => (visited.push(name), first.generation! + 5), from, 10);
      removed += step.removed;
      from = step.next;
    } while (from !== undefined);
    expect([visited, removed]).toEqual([['+round.1'], 1]);
    expect(await client.get(`crosslock:{${database}}:floor`)).toBe(String(first.generation! + 5));
    const again = await manager({ database }).lock('round.1', { timeout: 1000 });
    expect(again.generation).toBeGreaterThan(first.generation! + 5);
  });

  it('keeps a record that changed between the look and the delete', async () => {
    const database = randomDatabase();
    const m = manager({ database });
    await (await m.lock('r', { timeout: 1000 })).release();
    const store = new RedisLeaseStore(`redis:${database}`, new Commands(client, 2000), keysOf(database, PROTOCOL_VERSION), new RedisClock());
    const step = await store.sweep(() => {
      // Taken again while the sweeper decided: its delete must not land.
      void client.hSet(`crosslock:{${database}}:records`, '+r', '{"changed":true}');
      return 1;
    }, undefined, 10);
    expect(step.removed).toBe(0);
    expect(await client.hGet(`crosslock:{${database}}:records`, '+r')).toBe('{"changed":true}');
  });
});
