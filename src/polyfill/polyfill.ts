/**
 * `WebLocksPolyfill`: the Web Locks API's `LockManager` (`request()`, `query()`) over crosslock's
 * IndexedDB leases, for where `navigator.locks` is missing (an insecure context such as a wallet UI on
 * `http://` on a LAN, old Safari and Firefox, some web views), so libraries that call
 * `navigator.locks.request` directly work unchanged. Every page and worker of the origin sharing the
 * database excludes every other; a closed tab releases at once, a crashed one when its lease runs out
 * (1.5 s by default: the cost of a lease, where the browser's own locks free at once).
 *
 * The spec's algorithm (https://w3c.github.io/web-locks/#api-lock-manager-request), step by step:
 * arguments converted as WebIDL does (the name with String(); a callback that is not callable, a mode
 * outside "shared"/"exclusive" or a signal that is not an AbortSignal reject with TypeError), then
 * NotSupportedError for a name starting with "-", steal with ifAvailable, steal with shared, and a signal
 * with steal or ifAvailable; an aborted signal rejects with its reason. The lock is held until the promise
 * the callback returned settles, and request() settles with it. ifAvailable is a `tryLock` (granted only
 * with nobody holding in conflict and nobody waiting); steal takes the lock from its holders, whose
 * request() rejects with an AbortError DOMException (at once in this origin; their callbacks run on, as
 * the spec says). A lease lost any other way (a tab frozen past its lease) rejects it the same way.
 *
 * Names are any DOMString, kept exactly (names.ts). `clientId` in `query()` is one id per polyfill
 * instance (per page or worker, as the browser's).
 *
 * Callbacks run in REQUEST ORDER among the requests that can be granted at once, across names, as the
 * spec's "process the lock request queue" grants them (three shared requests of `a`, an exclusive one of
 * `a`, then one of `b`: `s1, s2, s3, b`; a request that must wait holds up no later one). The lease manager
 * alone does not give that order (a name's third request, made while the first two are being decided,
 * can be answered after a later request of another name). So each request takes its place when made,
 * reaches the lease manager after every earlier one did (the lease-name lookups are chained: a long
 * name's first lookup is a transaction, which later requests wait for), and its callback waits for the
 * earlier ones that can still be granted (turns.ts: the rule, why it holds, and what it costs).
 */
import { LockLostError } from '../core/errors.js';
import type { LockGuard, LockMode } from '../core/types.js';
import { IndexedDbLockManager } from '../stores/indexeddb/manager.js';
import { Names } from './names.js';
import { Connection, STORE } from '../stores/indexeddb/connection.js';
import { within } from '../stores/indexeddb/within.js';
import { Turns } from './turns.js';

export interface WebLocksPolyfillOptions {
  /**
   * The IndexedDB database of the polyfill's leases. Default `'crosslock-web-locks'`: apart from crosslock's
   * own lease records (`'crosslock'`), so an app's lock names and the polyfill's never meet.
   */
  database?: string;
}

/** A held lock, as the callback sees it (the spec's `Lock`: read-only `name` and `mode`). */
export class PolyfillLock {
  readonly #name: string;
  readonly #mode: LockMode;
  /** @internal made by `WebLocksPolyfill.request()` only. */
  constructor(name: string, mode: LockMode) {
    this.#name = name;
    this.#mode = mode;
  }
  get name(): string {
    return this.#name;
  }
  get mode(): LockMode {
    return this.#mode;
  }
  get [Symbol.toStringTag](): string {
    return 'Lock';
  }
}

type Callback = (lock: PolyfillLock | null) => unknown;

const PREFIX = 'wl';
const notSupported = (message: string): DOMException => new DOMException(message, 'NotSupportedError');
const aborted = (message: string): DOMException => new DOMException(message, 'AbortError');

/** The options dictionary as WebIDL converts it: members read once each, in lexicographic order, each checked as read. */
function convertOptions(value: unknown): { ifAvailable: boolean; mode: LockMode; signal: AbortSignal | undefined; steal: boolean } {
  if (value !== undefined && value !== null && typeof value !== 'object' && typeof value !== 'function') throw new TypeError('request(): options must be an object');
  const o = (value ?? {}) as Record<string, unknown>;
  const ifAvailable = Boolean(o.ifAvailable);
  const rawMode = o.mode;
  const mode = rawMode === undefined ? 'exclusive' : `${rawMode as string}`;
  if (mode !== 'exclusive' && mode !== 'shared') throw new TypeError(`request(): mode must be "shared" or "exclusive", got "${mode}"`);
  const rawSignal = o.signal;
  // Duck-typed, as WebIDL's brand check accepts a signal of another realm (an iframe's).
  const s = rawSignal as Partial<AbortSignal> | null | undefined;
  if (rawSignal !== undefined && !(typeof s?.aborted === 'boolean' && typeof s.addEventListener === 'function')) throw new TypeError('request(): signal must be an AbortSignal');
  const steal = Boolean(o.steal);
  return { ifAvailable, mode, signal: rawSignal as AbortSignal | undefined, steal };
}

export class WebLocksPolyfill {
  readonly #manager: IndexedDbLockManager;
  readonly #names: Names;
  readonly #turns: Turns;
  /** The last lease-name lookup: each request's waits for it, so requests reach the manager in request order. */
  #lookup: Promise<unknown> = Promise.resolve();

  constructor(options: WebLocksPolyfillOptions = {}) {
    const database = options.database ?? 'crosslock-web-locks';
    this.#manager = new IndexedDbLockManager({ database, prefix: PREFIX });
    const db = new Connection(database, 5000);
    this.#names = new Names(db);
    // The barrier of turns.ts: a readonly transaction of the lease store runs after every readwrite one created before it.
    const read = (): Promise<number> => within(db, [STORE], 'readonly', (tx) => tx.objectStore(STORE).count(''));
    this.#turns = new Turns(() => read().then(read));
  }

  /** Marks it as crosslock's polyfill, so crosslock's WebLockManager never mistakes it for the browser's locks. */
  get [Symbol.for('crosslock.webLocksPolyfill')](): true {
    return true;
  }

  get [Symbol.toStringTag](): string {
    return 'LockManager';
  }

  request(name: string, callback: Callback): Promise<unknown>;
  request(name: string, options: LockOptions, callback: Callback): Promise<unknown>;
  async request(name: unknown, optionsOrCallback?: unknown, ...rest: unknown[]): Promise<unknown> {
    // WebIDL: the name is a DOMString (a Symbol throws TypeError), then the overload by argument count.
    const count = arguments.length;
    if (count < 2) throw new TypeError(`request() needs a name and a callback, got ${count} argument${count === 1 ? '' : 's'}`);
    const lockName = `${name as string}`;
    const { ifAvailable, mode, signal, steal } = convertOptions(count === 2 ? undefined : optionsOrCallback);
    const callback = count === 2 ? optionsOrCallback : rest[0];
    if (typeof callback !== 'function') throw new TypeError('request(): the callback must be a function');
    if (lockName.startsWith('-')) throw notSupported('Names starting with "-" are reserved');
    if (steal && ifAvailable) throw notSupported('steal and ifAvailable cannot be used together');
    if (steal && mode !== 'exclusive') throw notSupported('steal needs mode "exclusive"');
    if (signal && (steal || ifAvailable)) throw notSupported('signal cannot be used with steal or ifAvailable');
    if (signal?.aborted) throw signal.reason ?? aborted('The request was aborted');

    const turn = this.#turns.place();
    const lookup = this.#lookup.then(() => this.#names.lease(lockName));
    this.#lookup = lookup.catch(() => {});
    let guard: LockGuard | null;
    try {
      const lease = await lookup;
      if (ifAvailable) guard = await this.#manager.tryLock(lease, { mode });
      else if (steal) guard = await this.#manager.lock(lease, { timeout: 0, steal: true });
      else guard = await this.#manager.lock(lease, { timeout: Infinity, mode, ...(signal ? { signal } : {}) });
    } catch (error) {
      this.#turns.drop(turn);
      // An engine without AbortSignal.reason aborts with undefined; a grant lost before it was handed out
      // (stolen again at once) is, for the caller, an aborted request.
      if (signal?.aborted) throw signal.reason ?? aborted('The request was aborted');
      if ((error as Error | undefined)?.name === 'LockLostError') throw aborted(`The lock "${lockName}" was lost before it was granted`);
      throw error;
    }
    await new Promise<void>((go) => this.#turns.ready(turn, go));
    if (!guard) return (callback as Callback)(null);
    const held = guard;
    // The callback runs to its end whatever happens; request() settles early if the lock is taken away.
    const outcome = (async () => (callback as Callback)(new PolyfillLock(lockName, mode)))();
    const lost = new Promise<never>((_, reject) => {
      const onLost = (): void => {
        const kind = (held.signal.reason as LockLostError | undefined)?.kind;
        reject(aborted(`The lock "${lockName}" was ${kind === 'stolen' ? 'stolen' : `lost${kind ? ` (${kind})` : ''}`}`));
      };
      if (held.signal.aborted) onLost();
      else held.signal.addEventListener('abort', onLost, { once: true });
    });
    lost.catch(() => {});
    const release = (): Promise<void> => held.release().catch(() => {}); // failed: its lease lapses on its own
    let result: unknown;
    try {
      result = await Promise.race([outcome, lost]);
    } catch (error) {
      // Taken away: request() rejects now; the lock (no longer ours) is tidied when the callback ends.
      if (held.signal.aborted) void outcome.then(release, release);
      else await release();
      throw error;
    }
    // The spec: the lock is released, then request() settles with what the callback's promise did.
    await release();
    return result;
  }

  /** Held and pending requests of every page and worker of the origin, with their names as given. */
  async query(): Promise<LockManagerSnapshot> {
    const { held, pending } = await this.#manager.query();
    const names = await this.#names.names([...held, ...pending].map((l) => l.name));
    const map = (list: typeof held): LockInfo[] => list.flatMap((l) => (names.has(l.name) ? [{ name: names.get(l.name)!, mode: l.mode, clientId: l.clientId ?? '' }] : []));
    return { held: map(held), pending: map(pending) };
  }

  /** Releases every lock this instance holds and stops (a polyfill installed for a page's life never needs it). */
  async close(): Promise<void> {
    await this.#manager.close();
    this.#names.close();
  }
}
