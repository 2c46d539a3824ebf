/**
 * Child processes for the multi-process tests (fixtures/contender.ts, run with tsx): started with the
 * run's Redis URL, a database and a lease of CHILD_LEASE_MS; killed after each test. Waits are on their
 * IPC messages, never on time.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, inject } from 'vitest';

export const CHILD_LEASE_MS = 1000;
const script = join(import.meta.dirname, 'fixtures/contender.ts');
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) (child.kill('SIGCONT'), child.kill('SIGKILL'));
});

export function start(database: string, ...args: string[]): ChildProcess {
  const child = fork(script, args, {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, REDIS_URL: inject('redisUrl'), DATABASE: database, LEASE_MS: String(CHILD_LEASE_MS) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.push(child);
  return child;
}

/** The next message of type `t` from `child` (rejects if it exits first). */
export function next<T = Record<string, unknown>>(child: ChildProcess, t: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { t: string }): void => {
      if (m.t !== t) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(m as T);
    };
    const onExit = (code: number | null, signal: string | null): void => reject(new Error(`the child exited (${code ?? signal}) before sending "${t}"`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Asks `child` (`{ cmd }`) and waits for its answer of type `t`. */
export function ask<T = Record<string, unknown>>(child: ChildProcess, cmd: string, t: string): Promise<T> {
  const answer = next<T>(child, t);
  child.send({ cmd });
  return answer;
}

export const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
