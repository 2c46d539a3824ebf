/**
 * A throwaway `redis-server` for the Redis tests and benches: on a free loopback port, with nothing
 * persisted (`--save '' --appendonly no`), stopped by `stop()`. `restart()` stops it and starts it
 * again on the same port, empty, as a crashed and restarted server would be. `startDurableRedis()`
 * (for `npm run chaos -- --config redis`) also crashes (SIGKILL, restarted empty) and restarts keeping
 * its data (`SHUTDOWN SAVE` into a temporary directory, loaded by the next server).
 *
 * `redisForTests()` uses CROSSLOCK_REDIS_URL as it is when set (nothing started or stopped); otherwise
 * it starts one. Without a `redis-server` it fails with one line saying what to install. Readiness is
 * the server's own "Ready to accept connections" line, never a wait.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findInstalled } from './setup/find.mjs';
import { REDIS } from './setup/deps.mjs';

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  /** Stops the server (SIGTERM, then waits for it to exit). */
  stop(): Promise<void>;
  /** Stops it (SIGTERM, or `'SIGKILL'`: a crash) and starts a new, empty one on the same port. */
  restart(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Pauses the server's process (SIGSTOP) or resumes it (SIGCONT): a server that stops answering. */
  pause(paused: boolean): void;
}

export function redisServerPath(): string {
  const path = findInstalled(REDIS);
  if (!path) throw new Error('redis-server not found: run `apt-get install -y redis-server` (or set CROSSLOCK_REDIS_URL=redis://127.0.0.1:6379)');
  return path;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function launch(path: string, port: number, extra: readonly string[] = []): Promise<ChildProcess> {
  const child = spawn(path, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'notice', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        child.stderr!.resume();
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}) before it was ready:\n${output.slice(-2000)}`)));
  });
}

function stopped(child: ChildProcess, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGCONT');
    child.kill(signal);
  });
}

export async function startRedis(): Promise<RedisServer> {
  const path = redisServerPath();
  const port = await freePort();
  let child = await launch(path, port);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: () => stopped(child),
    async restart(signal) {
      await stopped(child, signal);
      child = await launch(path, port);
    },
    pause(paused) {
      child.kill(paused ? 'SIGSTOP' : 'SIGCONT');
    },
  };
}

/** CROSSLOCK_REDIS_URL, or a server started for the run. */
export async function redisForTests(): Promise<{ url: string; stop(): Promise<void>; started: boolean }> {
  const given = process.env.CROSSLOCK_REDIS_URL;
  if (given) return { url: given, stop: async () => {}, started: false };
  const server = await startRedis();
  return { url: server.url, stop: server.stop, started: true };
}

/**
 * A server that can also lose everything or nothing (the chaos run's, e2e/chaos/redis): its data file
 * lives in a temporary `--dir` (removed by `stop()`), still with no automatic save points
 * (`--save ''`), so it is written only when asked.
 */
export interface DurableRedisServer extends RedisServer {
  /** SIGKILL, then, `gapMs` after it died, a new server on the same port, EMPTY (the data file removed first). */
  crash(gapMs?: number): Promise<void>;
  /**
   * `SHUTDOWN SAVE` (it saves even with `--save ''`), then a new server on the same port that loads what
   * was saved. A server that has not exited within SHUTDOWN_LIMIT_MS is SIGKILLed and started EMPTY:
   * the answer says which (`'killed'`).
   */
  restartWithData(): Promise<'saved' | 'killed'>;
  /** SIGKILL now, synchronously (for an exit handler; `stop()` still removes the directory). */
  kill(): void;
}

/** How long `SHUTDOWN SAVE` may take (an almost empty data set: milliseconds) before the server is SIGKILLed. */
const SHUTDOWN_LIMIT_MS = 5000;

const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));

export async function startDurableRedis(): Promise<DurableRedisServer> {
  const path = redisServerPath();
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'crosslock-redis-'));
  const file = 'dump.rdb';
  const extra = ['--dir', dir, '--dbfilename', file];
  const empty = async (): Promise<void> => {
    await rm(join(dir, file), { force: true });
    child = await launch(path, port, extra);
  };
  let child = await launch(path, port, extra);
  const kill = async (): Promise<void> => {
    child.kill('SIGKILL');
    await exited(child);
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      await stopped(child);
      await rm(dir, { recursive: true, force: true });
    },
    async restart() {
      await stopped(child);
      await empty();
    },
    pause(paused) {
      child.kill(paused ? 'SIGSTOP' : 'SIGCONT');
    },
    async crash(gapMs = 0) {
      await kill();
      if (gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
      await empty();
    },
    async restartWithData() {
      const gone = exited(child);
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => {}); // the server closes it as it exits
      socket.end('*2\r\n$8\r\nSHUTDOWN\r\n$4\r\nSAVE\r\n');
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(resolve, SHUTDOWN_LIMIT_MS, 'late')));
      const outcome = await Promise.race([gone.then(() => 'exited' as const), late]);
      clearTimeout(timer);
      socket.destroy();
      if (outcome === 'late') {
        await kill();
        await empty();
        return 'killed';
      }
      child = await launch(path, port, extra);
      return 'saved';
    },
    kill() {
      child.kill('SIGKILL');
    },
  };
}
