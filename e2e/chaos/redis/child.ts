/**
 * One process of the Redis chaos run (forked by procs.ts with `node --import tsx`): a `RedisLockManager`
 * and a `RedisFencedStore` on the run's server, running the actions the driver sends over IPC and
 * reporting what happened (types.ts). Environment: REDIS_URL, DATABASE, TAG (`p3#2`: slot 3, second
 * process in that slot).
 *
 * - Every grant is WATCHED while held (watch.ts): its signal read every few ms, its `Hold` streamed to
 *   the driver. A read is also made right before each fenced write and right before the release.
 * - Every fenced write is a read-modify-write of the lock's counter `{ n, id }`: read it, send the intent
 *   `{ id, prev, n }` and WAIT until IPC delivered it (so the driver knows it even if this process is
 *   killed during the put), then `store.put(guard, ...)`. Writes are made under exclusive guards only and
 *   always attempted, even when the signal already says lost: the library must refuse them.
 * - Expected failures are reported as outcomes, not problems: StorageError('unavailable') while Redis is
 *   down or paused (calls, writes, releases), a timeout, an abort. Anything else is a problem.
 * - A call's abort, the outcomes of calls not granted, the reading of refusals, the work in flight and
 *   the kept guards are the browser actors' (../calls.ts).
 */
import { createClient } from 'redis';
import type { LockGuard } from '../../../src/index.js';
import { RedisFencedStore, RedisLockManager } from '../../../src/redis.js';
import { armLockCall, callFailure, describe, InFlight, Kept, sleep, staleRefusal } from '../calls.js';
import { CHAIN_START, type Counter, type HoldBase } from '../types.js';
import { CHAOS_NAMESPACE, CHILD_COMMAND_TIMEOUT_MS, CHILD_LEASE, monoNow, type ActReport, type CallReport, type FromChild, type ProcAction, type ToChild, type WriteReport } from './types.js';
import { FLUSH_EVERY_MS, Watch } from './watch.js';

/** A process that cannot reach Redis at its start within this gives up (the driver sees it exit). */
const CONNECT_LIMIT_MS = 20_000;

const tag = process.env.TAG!;
const send = (message: FromChild): void => void process.send?.(message);
const delivered = (message: FromChild): Promise<void> =>
  new Promise((resolve, reject) => process.send!(message, undefined, {}, (error) => (error ? reject(error) : resolve())));
const unavailable = (e: unknown): boolean => (e as { name?: string })?.name === 'StorageError' && (e as { kind?: string }).kind === 'unavailable';

process.on('disconnect', () => process.exit(0)); // the driver is gone: so is this process
process.on('unhandledRejection', (error) => send({ t: 'problem', text: `unhandled rejection: ${describe(error)}` }));

const client = createClient({ url: process.env.REDIS_URL! });
client.on('error', () => {}); // the connection's ups and downs are the point of the run
const connectLimit = setTimeout(() => process.exit(3), CONNECT_LIMIT_MS);
await client.connect();
clearTimeout(connectLimit);
const database = process.env.DATABASE!;
const locks = new RedisLockManager({ client, database, ...CHILD_LEASE, commandTimeoutMs: CHILD_COMMAND_TIMEOUT_MS });
const store = new RedisFencedStore<Counter>({ client, database, namespace: CHAOS_NAMESPACE, commandTimeoutMs: CHILD_COMMAND_TIMEOUT_MS });
// withLock() reports a release that failed as a warning: expected while Redis is unreachable, else a problem.
let warnedUnavailable = 0;
locks.addEventListener('warning', (event) => {
  event.preventDefault();
  const warning = (event as Event & { warning: Error & { kind: string; cause?: unknown } }).warning;
  if (warning.kind === 'release-failed' && unavailable(warning.cause)) warnedUnavailable++;
  else send({ t: 'problem', text: `warning: ${describe(warning)}` });
});

class Proc {
  #grants = 0;
  #writes = 0;
  readonly #inFlight = new InFlight();
  readonly #kept = new Kept<Watch>();
  readonly #watches = new Set<Watch>();
  #lost: string[] = [];
  #problems: string[] = [];
  #released = 0;
  #releasesUnavailable = 0;

  constructor() {
    setInterval(() => this.#watches.forEach((w) => w.flush()), FLUSH_EVERY_MS);
  }

  /** Runs one action; never rejects (unexpected errors come back as problems). */
  async act(action: ProcAction): Promise<ActReport> {
    const calls: CallReport[] = [];
    const writes: WriteReport[] = [];
    await this.#inFlight.act(
      () => this.#run(action, calls, writes),
      (error) => this.#problems.push(`${tag} ${action.kind}: unexpected ${describe(error)}`),
    );
    return this.#report(calls, writes);
  }

  /** Releases every kept guard and resolves once nothing of this process is in flight. */
  async drain(): Promise<ActReport> {
    for (const watch of this.#kept.all()) await this.#inFlight.track(() => this.#release(watch)).catch((error) => this.#problems.push(`${tag} drain: ${describe(error)}`));
    await this.#inFlight.idle();
    return this.#report([], []);
  }

  #report(calls: CallReport[], writes: WriteReport[]): ActReport {
    const releasesUnavailable = this.#releasesUnavailable + warnedUnavailable;
    const report = { actor: tag, calls, writes, lost: this.#lost.splice(0), released: this.#released, releasesUnavailable, problems: this.#problems.splice(0) };
    this.#released = 0;
    this.#releasesUnavailable = 0;
    warnedUnavailable = 0;
    return report;
  }

  #watch(guard: LockGuard): Watch {
    const watch = new Watch(guard, { key: `${tag}/${++this.#grants}`, actor: tag, owner: locks.clientId }, send, (kind) => this.#lost.push(kind));
    this.#watches.add(watch);
    return watch;
  }

  async #run(action: ProcAction, calls: CallReport[], writes: WriteReport[]): Promise<void> {
    if (action.kind === 'lock') return this.#lock(action, calls, writes);
    if (action.kind === 'release') {
      const watch = this.#kept.shift();
      if (!watch) return;
      if (action.write && watch.guard.mode === 'exclusive') await this.#write(watch, writes);
      return this.#release(watch);
    }
    const requestedAt = monoNow();
    const base = { call: 'tryLock', name: action.name, mode: action.mode, timeout: 0, requestedAt } as const;
    let guard: LockGuard | null;
    try {
      guard = await locks.tryLock(action.name, { mode: action.mode });
    } catch (error) {
      return void calls.push({ ...base, settledAt: monoNow(), ...failure(error, 0) });
    }
    if (!guard) return void calls.push({ ...base, settledAt: monoNow(), outcome: 'null' });
    calls.push({ ...base, settledAt: monoNow(), outcome: 'granted', generation: guard.generation! });
    const watch = this.#watch(guard);
    try {
      await this.#hold(watch, action, writes);
    } finally {
      await this.#release(watch);
    }
  }

  async #lock(action: Extract<ProcAction, { kind: 'lock' }>, calls: CallReport[], writes: WriteReport[]): Promise<void> {
    const { name, mode, timeout } = action;
    const { options, base, reason, disarm } = armLockCall(action);
    const requestedAt = monoNow();
    let watch: Watch | undefined;
    const onGrant = (guard: LockGuard): Watch => {
      calls.push({ ...base, requestedAt, settledAt: monoNow(), outcome: 'granted', generation: guard.generation! });
      return (watch = this.#watch(guard));
    };
    try {
      if (action.via === 'withLock') {
        await locks.withLock(name, options, async (guard) => {
          const w = onGrant(guard);
          try {
            await this.#hold(w, action, writes);
          } finally {
            this.#unwatch(w);
          }
        });
        this.#released++; // or warned of (counted as unavailable): withLock() does not fail for it
        return;
      }
      const w = onGrant(await locks.lock(name, options));
      if (action.keepMs !== undefined) {
        if (action.writes !== 'none' && mode === 'exclusive') await this.#write(w, writes);
        this.#kept.keep(w, action.keepMs, (expired) => this.#autoRelease(expired));
        return;
      }
      try {
        await this.#hold(w, action, writes);
      } finally {
        await this.#release(w);
      }
    } catch (error) {
      if (watch) {
        // Granted: only a release that could not reach Redis is expected (withLock's own release).
        if (!unavailable(error)) throw error;
        this.#releasesUnavailable++;
        return;
      }
      calls.push({ ...base, requestedAt, settledAt: monoNow(), ...failure(error, timeout, reason) });
    } finally {
      disarm();
    }
  }

  #autoRelease(watch: Watch): void {
    void this.#inFlight.track(() => this.#release(watch)).catch((error) => this.#problems.push(`${tag} auto-release: ${describe(error)}`));
  }

  async #hold(watch: Watch, { holdMs, writes: plan }: HoldBase, writes: WriteReport[]): Promise<void> {
    const exclusive = watch.guard.mode === 'exclusive';
    if (exclusive && (plan === 'before' || plan === 'both')) await this.#write(watch, writes);
    if (holdMs > 0) await sleep(holdMs);
    if (exclusive && (plan === 'after' || plan === 'both')) await this.#write(watch, writes);
  }

  #unwatch(watch: Watch): void {
    watch.end();
    this.#watches.delete(watch);
  }

  async #release(watch: Watch): Promise<void> {
    this.#unwatch(watch);
    try {
      await watch.guard.release();
      this.#released++;
    } catch (error) {
      if (!unavailable(error)) throw error;
      this.#releasesUnavailable++;
    }
  }

  /** One read-modify-write of the lock's counter: read, send the intent (delivered), then the fenced put. */
  async #write(watch: Watch, writes: WriteReport[]): Promise<void> {
    const { guard } = watch;
    const lockName = guard.name;
    const readSentAt = monoNow();
    let current: Counter | undefined;
    try {
      current = await store.get(lockName);
    } catch (error) {
      if (!unavailable(error)) throw error;
      return void writes.push({ id: '', lockName, outcome: 'read unavailable', settledAt: monoNow() });
    }
    const readAnsweredAt = monoNow();
    const id = `${tag}.${++this.#writes}`;
    const next: Counter = { n: (current?.n ?? 0) + 1, id };
    watch.read();
    const putSentAt = monoNow();
    await delivered({ t: 'intent', intent: { id, prev: current?.id ?? CHAIN_START, n: next.n, lockName, generation: guard.generation!, owner: locks.clientId, actor: tag, readSentAt, readAnsweredAt, putSentAt } });
    try {
      await store.put(guard, lockName, next);
      writes.push({ id, lockName, outcome: 'ok', settledAt: monoNow() });
    } catch (error) {
      const e = error as Error;
      const settledAt = monoNow();
      if (unavailable(e)) return void writes.push({ id, lockName, outcome: 'unavailable', settledAt });
      if (e?.name !== 'StaleLockError') return void writes.push({ id, lockName, outcome: describe(e), settledAt });
      writes.push({ id, lockName, outcome: 'StaleLockError', ...staleRefusal(e.message), settledAt });
    }
  }
}

/** A call that was not granted: its outcome (../calls.ts `callFailure`, or Redis unreachable: no StorageError is any of those). */
function failure(error: unknown, timeout: number, reason?: unknown): Pick<CallReport, 'outcome' | 'error'> {
  return unavailable(error) ? { outcome: 'unavailable', error: describe(error) } : callFailure(error, timeout, reason);
}

const proc = new Proc();
process.on('message', (m: ToChild) => {
  const done = (report: ActReport): void => send({ t: 'done', id: m.id, report });
  if (m.cmd === 'act') void proc.act(m.action).then(done);
  else void proc.drain().then(done);
});
send({ t: 'ready', clientId: locks.clientId });
