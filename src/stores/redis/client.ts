/**
 * The Redis client crosslock talks through, and every command it sends.
 *
 * Client: node-redis (`redis` on npm, v5 or later), a peer dependency the app creates and connects
 * (`createClient({ url })`): it is the client Redis maintains, typed in TypeScript, with per-command
 * abort signals (`sendCommand(args, { abortSignal })`) and automatic re-subscription after a reconnect. ioredis
 * would do the job too, but is in maintenance; supporting both would double the test matrix for nothing.
 * crosslock uses only `sendCommand`, `isReady` and `duplicate()` (for pub/sub, which needs a connection
 * of its own), described structurally below: the package is never imported, so it is never bundled.
 *
 * INVARIANT: no command hangs. A command is refused at once (`StorageError('unavailable')`) while the
 * client is not connected (node-redis would otherwise queue it until a reconnect, for ever), and one
 * that gets no answer within `timeoutMs` rejects with `StorageError('unavailable')`. A command that timed
 * out may still have run: every write crosslock sends is a compare-and-set of a lease (see scripts.ts),
 * so a late one is at worst a lease nobody renews, which lapses like a crashed holder's.
 */
import { InvalidOptionError, StorageError } from '../../core/errors.js';
import { msOption } from '../../core/options.js';

/** The subscriber connection (`client.duplicate()`): connected by crosslock, destroyed on close. */
export interface RedisSubscriberClient {
  connect(): Promise<unknown>;
  subscribe(channel: string, listener: (message: string) => void): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
  on(event: 'error', listener: (error: Error) => void): unknown;
  destroy(): void;
}

/** What crosslock needs of a node-redis client (`RedisClientType`, connected). */
export interface RedisClient {
  /** Connected and ready for commands. */
  readonly isReady: boolean;
  /** Connected, or reconnecting (false once closed: it will not come back). */
  readonly isOpen: boolean;
  sendCommand<T = unknown>(args: ReadonlyArray<string>, options?: { abortSignal?: AbortSignal }): Promise<T>;
  duplicate(): RedisSubscriberClient;
}

/** A Lua script, loaded once per server (`SCRIPT LOAD`) and called by its SHA1. */
export interface Script {
  readonly name: string;
  readonly source: string;
}

/** How long one command may take by default, ms (the `commandTimeoutMs` option of the manager and the fenced store). */
export const DEFAULT_COMMAND_TIMEOUT_MS = 2000;

/** The `client` and `commandTimeoutMs` options, checked (`InvalidOptionError`, `OptionRangeError`), as commands. */
export function commandsOf(o: Record<string, unknown>): Commands {
  if (!isRedisClient(o.client)) throw new InvalidOptionError('client', 'must be a node-redis client (createClient() from the "redis" package, v5 or later)');
  return new Commands(o.client, msOption('commandTimeoutMs', o.commandTimeoutMs, DEFAULT_COMMAND_TIMEOUT_MS));
}

export function isRedisClient(value: unknown): value is RedisClient {
  const c = value as Partial<RedisClient> | null;
  return typeof c === 'object' && c !== null && typeof c.sendCommand === 'function' && typeof c.duplicate === 'function' && typeof c.isReady === 'boolean' && typeof c.isOpen === 'boolean';
}

export class Commands {
  /** SHA1 of each script by name, as the server returned it. */
  readonly #shas = new Map<string, Promise<string>>();

  constructor(
    readonly client: RedisClient,
    readonly timeoutMs: number,
  ) {}

  /** Whether a failure may heal by waiting: Redis unreachable or busy, with a client that is not closed for good. */
  transient(error: unknown): boolean {
    return error instanceof StorageError && error.kind === 'unavailable' && this.client.isOpen;
  }

  /** Sends one command; rejects with `StorageError` ('unavailable' when not connected or timed out, else 'failed'). */
  async send<T>(args: ReadonlyArray<string>, doing: string): Promise<T> {
    if (!this.client.isReady) throw new StorageError('unavailable', `Redis is not ${this.client.isOpen ? 'connected (reconnecting)' : 'connected: the client was closed'}: could not ${doing}`);
    // node-redis's own `timeout` bounds only the wait to WRITE a command, not its answer: a server that
    // stopped answering (SIGSTOP, a network partition) would hold the promise until the socket dies,
    // a minute later (measured: 58.7 s). So the answer is raced against `AbortSignal.timeout`, whose
    // timer is the runtime's own (unref'd; not the app's setTimeout, which tests and apps may replace).
    const deadline = AbortSignal.timeout(this.timeoutMs);
    const answer = this.client.sendCommand<T>(args, { abortSignal: deadline });
    const late = new Promise<never>((_, reject) => {
      deadline.addEventListener('abort', () => reject(new StorageError('unavailable', `Redis did not answer within ${this.timeoutMs} ms: could not ${doing}`)), { once: true });
    });
    late.catch(() => {}); // after an answer, the deadline still passes: nobody's concern
    try {
      return await Promise.race([answer, late]);
    } catch (error) {
      answer.catch(() => {}); // its late failure, if any, is not anyone's
      throw redisError(error, doing);
    }
  }

  /** Publishes `message` as JSON on `channel`, best effort: whoever listens recovers from a lost message. */
  publish(channel: string, message: unknown): void {
    this.send(['PUBLISH', channel, JSON.stringify(message)], 'publish a message').catch(() => {});
  }

  /** Runs `script` by SHA1, loading it first (and again after a server restart emptied its script cache). */
  async run<T>(script: Script, keys: readonly string[], args: readonly string[], doing: string): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      let sha = this.#shas.get(script.name);
      if (!sha) {
        sha = this.send<string>(['SCRIPT', 'LOAD', script.source], `load the ${script.name} script`);
        this.#shas.set(script.name, sha);
        sha.catch(() => this.#shas.get(script.name) === sha && this.#shas.delete(script.name));
      }
      try {
        return await this.send<T>(['EVALSHA', await sha, String(keys.length), ...keys, ...args], doing);
      } catch (error) {
        const noScript = /NOSCRIPT/.test(String((error as StorageError).cause ?? ''));
        if (!noScript || attempt > 0) throw error;
        this.#shas.delete(script.name);
      }
    }
  }
}

/** Redis error replies that mean "not now" (the server is loading, busy, read-only, failing over): worth retrying. */
const NOT_NOW = /^(LOADING|BUSY|READONLY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|NOREPLICAS)\b/;

export function redisError(error: unknown, doing: string): StorageError {
  if (error instanceof StorageError) return error;
  const message = (error as Error | undefined)?.message || String(error);
  // A reply the server sent starts with its error code (ERR, WRONGTYPE, NOSCRIPT, LOADING, OOM, ...);
  // told apart by that, not by class name (a minified node-redis renames its classes). Anything else
  // (TimeoutError, ClientClosedError, ClientOfflineError, a socket error) means the server was not reached.
  const code = /^[A-Z][A-Z_]+\b/.exec(message)?.[0];
  const kind = code === undefined || NOT_NOW.test(message) ? 'unavailable' : code === 'OOM' ? 'quota' : 'failed';
  return new StorageError(kind, `Redis failed to ${doing}: ${message}`, { cause: error });
}
