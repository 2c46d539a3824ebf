/**
 * The IndexedDB database behind the browser backends: lease records (and the Web Locks ledger, same
 * shape), `FencedStore` values, and a little metadata. One connection per user, opened on first use.
 *
 * Schema (`SCHEMA_VERSION` 3):
 * - `leases`: one record per full lock name (see lease/record.ts), with a sparse index `active` over
 *   the records that have holders or waiters, so `query()` and timeout errors read what is in use, not
 *   every name ever used (measured: see the README's Performance section);
 * - `fenced`: `FencedStore` values keyed `[namespace, key]`;
 * - `meta`: `floor`, the generation high-water mark of swept records.
 * Version 1 had `leases`; 2 added `fenced`; 3 adds `meta` and the index. A database at a newer
 * version is opened at whatever version it has, as long as our stores are there.
 *
 * Robustness:
 * - another tab upgrading the database (`versionchange`): we close our connection at once so we never
 *   block it, and reopen on the next operation;
 * - the database DELETED (a `versionchange` to no version) or closed by the browser (site data cleared):
 *   its records are gone, so `onLost` listeners (the lease manager: every holder is told at once) run
 *   first, before the connection closes; a deletion waits for every open connection to close, so no tab
 *   can make the database again, and be granted a lock in it, before the holders of the old one were told.
 *   A tab frozen at that moment closes nothing until it runs again, and is told first thing then;
 * - an open that stays `blocked` (some other connection refuses to close) fails after `openTimeout`
 *   (`Infinity`: no limit) with `StorageError('blocked')` instead of hanging;
 * - quota and other failures become `StorageError` with the browser's error as `cause`;
 * - back/forward cache: Chromium evicts a cached page whose transaction holds up another tab's
 *   ("IgnoreEventAndEvict"; seen on half the navigations of a waiting follower while another tab
 *   led), so on a `persisted` pagehide the transactions under way are aborted (their callers get
 *   `StorageError`) and none starts until the page is shown again (`open()` waits for it).
 */
import { openDB, type IDBPDatabase } from 'idb';
import { StorageError, UnsupportedError } from '../../core/errors.js';

export const STORE = 'leases';
/** The store of `FencedStore` values, keyed `[namespace, key]`. */
export const FENCED_STORE = 'fenced';
export const META_STORE = 'meta';
export const ACTIVE_INDEX = 'active';
const SCHEMA_VERSION = 3;

export class Connection {
  #conn: IDBPDatabase | undefined;
  #opening: Promise<IDBPDatabase> | undefined;
  #closed = false;
  /** Transactions under way (`track`). */
  readonly #live = new Set<{ abort(): void }>();
  readonly #lost = new Set<(why: string) => void>();
  /** Set while the page is in the back/forward cache; resolves when it is shown again. */
  #hidden: Promise<void> | undefined;
  #shown: (() => void) | undefined;
  #unlisten: (() => void) | undefined;

  constructor(
    readonly database: string,
    private readonly openTimeout: number,
  ) {}

  /** The open connection, if there is one now (transactions can then be created synchronously). */
  get current(): IDBPDatabase | undefined {
    return this.#hidden ? undefined : this.#conn;
  }

  /** The connection, opened (and the schema created) on first use; in the back/forward cache, once shown again. */
  open(): Promise<IDBPDatabase> {
    if (this.#hidden) return this.#hidden.then(() => this.open());
    if (this.#conn) return Promise.resolve(this.#conn);
    if (this.#closed) return Promise.reject(this.#closedError());
    this.#opening ??= this.#connect().then(
      (db) => {
        this.#opening = undefined;
        // Closed while it opened: a connection kept now would block every later upgrade.
        if (this.#closed) {
          db.close();
          throw this.#closedError();
        }
        this.#conn = db;
        this.#unlisten ??= this.#listen();
        return db;
      },
      (error: unknown) => {
        this.#opening = undefined;
        throw error;
      },
    );
    return this.#opening;
  }

  /**
   * Calls `listener` when the database's records vanish under this connection (deleted by another tab or
   * by the app, or closed by the browser because the site's data was cleared), until the returned function
   * is called. It runs before the connection is closed, so a deletion cannot finish before it has run.
   */
  onLost(listener: (why: string) => void): () => void {
    this.#lost.add(listener);
    return () => void this.#lost.delete(listener);
  }

  #lose(why: string): void {
    for (const listener of [...this.#lost]) listener(why);
  }

  /** Drops a connection the browser closed under us (so the next operation reopens). */
  forget(db: IDBPDatabase): void {
    if (this.#conn === db) this.#conn = undefined;
    db.close();
  }

  /** Keeps `tx` until it ends, to abort it if the page enters the back/forward cache first. */
  track<T extends { abort(): void; done: Promise<void> }>(tx: T): T {
    this.#live.add(tx);
    const ended = (): void => void this.#live.delete(tx);
    tx.done.then(ended, ended);
    return tx;
  }

  #listen(): (() => void) | undefined {
    if (typeof document === 'undefined' || typeof addEventListener !== 'function') return undefined;
    const onHide = (event: PageTransitionEvent): void => {
      if (!event.persisted || this.#hidden) return;
      this.#hidden = new Promise((resolve) => (this.#shown = resolve));
      for (const tx of this.#live) {
        try {
          tx.abort();
        } catch {
          // Finished meanwhile.
        }
      }
      this.#live.clear();
    };
    const onShow = (): void => {
      this.#hidden = undefined;
      this.#shown?.();
    };
    addEventListener('pagehide', onHide);
    addEventListener('pageshow', onShow);
    return () => {
      removeEventListener('pagehide', onHide);
      removeEventListener('pageshow', onShow);
      onShow();
    };
  }

  /** Final: an open under way is closed when it lands, and every later operation fails. */
  close(): void {
    this.#unlisten?.();
    this.#closed = true;
    this.#conn?.close();
    this.#conn = undefined;
  }

  #closedError(): StorageError {
    return new StorageError('unavailable', `the connection to database "${this.database}" was closed`);
  }

  async #connect(): Promise<IDBPDatabase> {
    if (typeof globalThis.indexedDB === 'undefined') throw new UnsupportedError('IndexedDB is not available here');
    let db: IDBPDatabase;
    const callbacks = {
      // Another tab wants a newer version: let it, and reopen on our next operation. A deletion (no new
      // version) takes every record with it: the holders are told FIRST, and only then is the connection
      // closed, which is what lets the deletion (and anyone's new database after it) go on.
      blocking: (_current: number, next: number | null) => {
        if (next === null) this.#lose(`database "${this.database}" is being deleted`);
        this.forget(db);
      },
      // The browser closed the connection (site data cleared, storage evicted): the records are gone.
      terminated: () => {
        if (this.#conn === db) this.#conn = undefined;
        this.#lose(`the browser closed database "${this.database}" (site data cleared or storage evicted)`);
      },
    };
    try {
      db = await this.#timed(
        openDB(this.database, SCHEMA_VERSION, {
          ...callbacks,
          upgrade: (upgrading, _old, _new, tx) => {
            for (const name of [STORE, FENCED_STORE, META_STORE]) {
              if (!upgrading.objectStoreNames.contains(name)) upgrading.createObjectStore(name);
            }
            const leases = tx.objectStore(STORE);
            if (!leases.indexNames.contains(ACTIVE_INDEX)) leases.createIndex(ACTIVE_INDEX, ACTIVE_INDEX);
          },
        }),
      );
    } catch (error) {
      if ((error as Error).name !== 'VersionError') throw storageError(error, `open database "${this.database}"`);
      db = await this.#timed(openDB(this.database, undefined, callbacks)).catch((e: unknown) => {
        throw storageError(e, `open database "${this.database}"`);
      });
    }
    for (const name of [STORE, META_STORE]) {
      if (!db.objectStoreNames.contains(name)) {
        db.close();
        throw new StorageError('unavailable', `database "${this.database}" exists without a "${name}" store: it is not crosslock's`);
      }
    }
    return db;
  }

  /** Gives up on an open that stays blocked; a connection that opens later is closed at once. */
  #timed(opening: Promise<IDBPDatabase>): Promise<IDBPDatabase> {
    if (this.openTimeout === Infinity) return opening;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        opening.then((db) => db.close(), () => {});
        reject(new StorageError('blocked', `opening database "${this.database}" stayed blocked for ${this.openTimeout} ms by another connection`));
      }, this.openTimeout);
    });
    return Promise.race([opening, late]).finally(() => clearTimeout(timer));
  }
}

export function storageError(error: unknown, doing: string): Error {
  if (error instanceof StorageError || error instanceof UnsupportedError) return error;
  const name = (error as Error | undefined)?.name;
  if (name === 'QuotaExceededError') return new StorageError('quota', `out of storage quota while trying to ${doing}`, { cause: error });
  const kind = name === 'InvalidStateError' || name === 'UnknownError' ? 'unavailable' : 'failed';
  return new StorageError(kind, `IndexedDB failed to ${doing}: ${name ?? 'unknown error'}`, { cause: error });
}
