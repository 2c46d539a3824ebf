/**
 * The layers' chaos log and the page's storage faults.
 *
 * LOG: a plain IndexedDB database of its own (`crosslock-chaos-layers`, raw `idb`; strongly consistent
 * across tabs, and a committed record survives its page's crash): fenced-write intents (committed BEFORE
 * the write's put, as e2e/pages/chaos-log.ts), leaderships, service executions, states given to
 * `update()`, swaps, and backup reads. Never touched by the injected faults.
 *
 * FAULTS: `failNext(n)` makes the next n transactions this page opens on crosslock's own database
 * (`crosslock`: lease records, the Web Locks ledger, fenced values, backups) fail the way a transaction
 * aborted by the browser does: it is created, its first requests are made, then it is aborted (a
 * microtask later), so they fail with `AbortError` and it never commits. Installed on
 * `IDBDatabase.prototype.transaction` before the page's manager exists. The checker's own reads of that
 * database (`readCrosslock`) go through a connection exempt from the faults.
 */
import { openDB, unwrap, type IDBPDatabase } from 'idb';
import type { Intent } from '../chaos/types.js';
import type { ExecutionLog, LeadLog, ReadLog, SwapLog } from '../chaos/layers/types.js';

const LOG_DB = 'crosslock-chaos-layers';
const CROSSLOCK_DB = 'crosslock';
let log: Promise<IDBPDatabase> | undefined;

function openLog(): Promise<IDBPDatabase> {
  log ??= openDB(LOG_DB, 1, {
    upgrade(db) {
      db.createObjectStore('intents', { keyPath: 'id' });
      for (const store of ['leads', 'executions', 'updates', 'swaps', 'reads']) db.createObjectStore(store, { autoIncrement: true });
    },
  });
  return log;
}

async function add(store: string, value: unknown): Promise<void> {
  const tx = (await openLog()).transaction(store, 'readwrite');
  await Promise.all([tx.store.add(value), tx.done]);
}

export const logIntent = (intent: Intent): Promise<void> => add('intents', intent);
export const logLead = (lead: LeadLog): Promise<void> => add('leads', lead);
export const logExecution = (execution: ExecutionLog): Promise<void> => add('executions', execution);
export const logUpdate = (state: string): Promise<void> => add('updates', state);
export const logSwap = (swap: SwapLog): Promise<void> => add('swaps', swap);
export const logRead = (read: ReadLog): Promise<void> => add('reads', read);

export async function dumpLog(): Promise<{ intents: Intent[]; leads: LeadLog[]; executions: ExecutionLog[]; updates: string[]; swaps: SwapLog[]; reads: ReadLog[] }> {
  const db = await openLog();
  const [intents, leads, executions, updates, swaps, reads] = await Promise.all(['intents', 'leads', 'executions', 'updates', 'swaps', 'reads'].map((s) => db.getAll(s)));
  return { intents: intents!, leads: leads!, executions: executions!, updates: updates!, swaps: swaps!, reads: reads! };
}

let pending = 0;
let injected = 0;
const exempt = new WeakSet<IDBDatabase>();
let installed = false;

/** Installs the fault injection (once per page; before any crosslock database is opened). */
export function installFaults(): void {
  if (installed) return;
  installed = true;
  const native = IDBDatabase.prototype.transaction;
  IDBDatabase.prototype.transaction = function (this: IDBDatabase, ...args: Parameters<IDBDatabase['transaction']>): IDBTransaction {
    const tx = native.apply(this, args);
    if (pending > 0 && this.name === CROSSLOCK_DB && !exempt.has(this)) {
      pending--;
      injected++;
      queueMicrotask(() => {
        try {
          tx.abort();
        } catch {
          // It finished already (it made no request): nothing to abort.
        }
      });
    }
    return tx;
  } as IDBDatabase['transaction'];
}

/** The next `n` transactions on crosslock's database fail (`0`: none any more). */
export function failNext(n: number): void {
  pending = n;
}

/** Transactions failed on purpose since the last call. */
export function takeInjected(): number {
  const n = injected;
  injected = 0;
  return n;
}

let crosslock: Promise<IDBPDatabase> | undefined;

/** Reads a value of crosslock's database, on a connection the faults spare, that gives way to any version change. */
export async function readCrosslock<T>(store: string, query: IDBValidKey | IDBKeyRange, all = false): Promise<T | undefined> {
  // Never the one to create it: a database made here (version 1, no stores) would be upgraded by crosslock as one of its own.
  if (!crosslock && !(await indexedDB.databases()).some((d) => d.name === CROSSLOCK_DB)) return undefined;
  crosslock ??= openDB(CROSSLOCK_DB, undefined, {
    blocking: (_current, _next, event) => {
      (event.target as IDBDatabase).close();
      crosslock = undefined;
    },
    terminated: () => (crosslock = undefined),
  }).then((db) => (exempt.add(unwrap(db)), db));
  const db = await crosslock;
  if (!db.objectStoreNames.contains(store)) return undefined;
  return (all ? db.getAll(store, query as IDBKeyRange) : db.get(store, query)) as Promise<T | undefined>;
}

/** The generation in crosslock's record of `fullName` (null when there is none). */
export async function storedGeneration(fullName: string): Promise<number | null> {
  const record = await readCrosslock<{ generation?: unknown }>('leases', fullName);
  return typeof record?.generation === 'number' ? record.generation : null;
}
