/**
 * The driver's side of the chaos processes: one `ProcSlot` per process slot, holding the live child
 * (child.ts, forked with `node --import tsx` and structured-clone IPC) and replacing it when a step
 * kills it. What the children stream (holds, intents, problems) goes to the run's `Evidence`.
 *
 * - An action sent to a slot whose child is being replaced waits for the replacement's `ready`; one in
 *   flight in a child that dies settles as `interrupted` (its reads and intents so far still count).
 *   A replacement that fails to start fails the steps of its slot from then on (a problem each).
 * - Kills and stops of one slot run one after another (a chain per slot); a stop's window is recorded
 *   on the shared monotonic clock, for the call time bounds.
 * - A child that exits without being killed by the driver is a problem; `dispose()` kills every child
 *   (SIGCONT first, in case it is stopped) and `killNow()` does the same synchronously, for an exit handler.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { monoNow, type ActReport, type FromChild, type Hold, type Intent, type ProcAction, type Stop, type ToChild } from './types.js';

/** A child that is not ready this long after its fork failed to start (tsx compiles on a loaded machine: seconds). */
const START_LIMIT_MS = 30_000;

const script = join(import.meta.dirname, 'child.ts');

export interface Evidence {
  readonly holds: Map<string, Hold>;
  readonly intents: Intent[];
  readonly problems: string[];
  readonly stops: Stop[];
}

export type ActResult = { readonly report: ActReport } | { readonly interrupted: true };

interface Live {
  readonly child: ChildProcess;
  readonly tag: string;
  readonly pending: Map<number, (result: ActResult) => void>;
  killed: boolean;
}

export class ProcSlot {
  incarnation = 0;
  kills = 0;
  #live: Promise<Live>;
  #current: Live | undefined;
  #lifecycle: Promise<void> = Promise.resolve();
  #nextId = 0;
  #disposed = false;

  constructor(
    readonly index: number,
    private readonly url: string,
    private readonly database: string,
    private readonly evidence: Evidence,
  ) {
    this.#live = this.#start();
  }

  /** Resolves once the first child is ready. */
  async ready(): Promise<void> {
    await this.#live;
  }

  /** Runs `action` in the slot's live child. */
  act(action: ProcAction): Promise<ActResult> {
    return this.#request((id) => ({ cmd: 'act', id, action }));
  }

  /** Releases what the child keeps and waits until nothing of it is in flight. */
  drain(): Promise<ActResult> {
    return this.#request((id) => ({ cmd: 'drain', id }));
  }

  /** SIGKILL, then a replacement (ready before this resolves). */
  kill(): Promise<void> {
    return this.#serially(async () => {
      const live = await this.#live;
      this.kills++;
      live.killed = true;
      const exited = onExit(live.child);
      live.child.kill('SIGKILL');
      // Requests from now on go to the replacement.
      this.#live = exited.then(() => this.#start());
      await this.#live;
    });
  }

  /** SIGSTOP for `ms`, then SIGCONT. */
  stop(ms: number): Promise<number> {
    return this.#serially(async () => {
      const live = await this.#live;
      const from = monoNow();
      live.child.kill('SIGSTOP');
      await new Promise((resolve) => setTimeout(resolve, ms));
      live.child.kill('SIGCONT');
      const to = monoNow();
      this.evidence.stops.push({ actor: live.tag, from, to });
      return to - from;
    });
  }

  /** Settles once the kills and stops started so far have. */
  settled(): Promise<void> {
    return this.#lifecycle;
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
    this.killNow();
    const live = this.#current;
    if (live) await onExit(live.child);
  }

  killNow(): void {
    const live = this.#current;
    if (!live) return;
    live.killed = true;
    live.child.kill('SIGCONT');
    live.child.kill('SIGKILL');
  }

  #serially<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#lifecycle.then(fn);
    this.#lifecycle = run.then(
      () => {},
      () => {},
    );
    return run;
  }

  async #request(message: (id: number) => ToChild): Promise<ActResult> {
    const live = await this.#live;
    if (live.killed) return { interrupted: true };
    const id = ++this.#nextId;
    return new Promise((resolve) => {
      live.pending.set(id, resolve);
      // A child that died just now: its channel is closed, and so is the request.
      live.child.send(message(id), (error) => error && live.pending.delete(id) && resolve({ interrupted: true }));
    });
  }

  #start(): Promise<Live> {
    const tag = `p${this.index}#${++this.incarnation}`;
    const child = fork(script, [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, REDIS_URL: this.url, DATABASE: this.database, TAG: tag },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    const live: Live = { child, tag, pending: new Map(), killed: false };
    this.#current = live;
    const { evidence } = this;
    child.on('message', (m: FromChild) => {
      if (m.t === 'hold') evidence.holds.set(m.hold.key, m.hold);
      else if (m.t === 'intent') evidence.intents.push(m.intent);
      else if (m.t === 'problem') evidence.problems.push(`${tag}: ${m.text}`);
      else if (m.t === 'done') {
        live.pending.get(m.id)?.({ report: m.report });
        live.pending.delete(m.id);
      }
    });
    child.on('error', (error) => evidence.problems.push(`${tag}: ${error.message}`));
    child.once('exit', (code, signal) => {
      if (!live.killed && !this.#disposed) evidence.problems.push(`${tag} exited on its own (${code ?? signal})`);
      live.killed = true;
      for (const resolve of live.pending.values()) resolve({ interrupted: true });
      live.pending.clear();
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${tag} was not ready within ${START_LIMIT_MS} ms`));
      }, START_LIMIT_MS);
      child.on('message', (m: FromChild) => {
        if (m.t !== 'ready') return;
        clearTimeout(timer);
        resolve(live);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${tag} exited (${code ?? signal}) before it was ready`));
      });
    });
  }
}

function onExit(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}
