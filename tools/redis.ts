/**
 * A throwaway `redis-server` for the Redis tests and benches: on a free loopback port, with nothing
 * persisted (`--save '' --appendonly no`), stopped by `stop()`. `restart()` stops it and starts it
 * again on the same port, empty, as a crashed and restarted server would be.
 *
 * `redisForTests()` uses CROSSLOCK_REDIS_URL as it is when set (nothing started or stopped); otherwise
 * it starts one. Without a `redis-server` it fails with one line saying what to install. Readiness is
 * the server's own "Ready to accept connections" line, never a wait.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
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

function launch(path: string, port: number): Promise<ChildProcess> {
  const child = spawn(path, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'notice'], { stdio: ['ignore', 'pipe', 'pipe'] });
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
