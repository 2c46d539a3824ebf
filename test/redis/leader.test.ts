/**
 * `crosslock/leader` unchanged over RedisLockManager, across real processes (fixtures/contender.ts
 * `lead`): one leader among three, known to the others through Redis pub/sub; a leader killed is
 * replaced at a higher term; a leader stopped past its lease is replaced and, resumed, finds its
 * leadership aborted and its fenced write refused. The term fences writes in RedisFencedStore.
 */
import type { ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { RedisFencedStore } from '../../src/redis.js';
import { ask, exited, next, start } from './children.js';
import { connect, randomDatabase } from './harness.js';

interface Leads {
  term: number;
  clientId: string;
}

/** Which of `procs` leads first, and its term. */
async function firstLeader(procs: ChildProcess[]): Promise<Leads & { proc: ChildProcess }> {
  return Promise.any(procs.map((proc) => next<Leads>(proc, 'leads').then((l) => ({ ...l, proc }))));
}

describe('LeaderElection over RedisLockManager, across processes', { timeout: 30_000 }, () => {
  it('three processes: one leads, the others know it; killed, the next leads at a higher term; stopped, it is replaced and its late write refused', async () => {
    const database = randomDatabase();
    const client = await connect();
    const store = new RedisFencedStore<string>({ client, database, namespace: 'wallet' });
    const procs = [start(database, 'lead'), start(database, 'lead'), start(database, 'lead')];
    const first = await firstLeader(procs);
    let others = procs.filter((p) => p !== first.proc);
    // The followers hear its beats across processes (Redis pub/sub), and do not lead.
    for (const p of others) {
      let view: { leader: Leads | null; isLeader: boolean };
      do view = await ask(p, 'view', 'view');
      while (view.leader?.term !== first.term);
      expect(view).toMatchObject({ isLeader: false, leader: { clientId: first.clientId, term: first.term } });
    }

    first.proc.kill('SIGKILL');
    await exited(first.proc);
    const second = await firstLeader(others);
    expect(second.term).toBeGreaterThan(first.term);
    expect(await store.get('leader')).toBe(String(second.proc.pid));

    others = others.filter((p) => p !== second.proc);
    second.proc.kill('SIGSTOP');
    const third = await firstLeader(others);
    expect(third.term).toBeGreaterThan(second.term);
    second.proc.kill('SIGCONT');
    const late = await ask<{ outcome: string; aborted: boolean }>(second.proc, 'write', 'written');
    expect(late).toMatchObject({ outcome: 'StaleLockError', aborted: true });
    expect(await store.get('leader')).toBe(String(third.proc.pid));
  });
});
