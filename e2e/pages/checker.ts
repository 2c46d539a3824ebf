/**
 * The exclusion checker, in IndexedDB because IndexedDB is strongly consistent across tabs (localStorage
 * is replicated between renderer processes asynchronously and shows false overlaps).
 *
 * `critical(tab)` is a deliberately racy critical section: it marks "inside" (counting a violation if
 * another tab's mark is already there), reads a counter, yields to the event loop, writes counter + 1,
 * and clears its mark, each step its own transaction. Run under a lock, it must end with
 * `violations === 0` and `counter === number of critical sections`; without one, overlaps show up as
 * violations and lost updates.
 */
import { openDB, type IDBPDatabase } from 'idb';

const STORE = 'state';
let db: Promise<IDBPDatabase> | undefined;

function open(): Promise<IDBPDatabase> {
  db ??= openDB('crosslock-e2e-checker', 1, { upgrade: (d) => void d.createObjectStore(STORE) });
  return db;
}

async function get(key: string): Promise<number> {
  return ((await (await open()).get(STORE, key)) as number | undefined) ?? 0;
}

export async function reset(): Promise<void> {
  await (await open()).clear(STORE);
}

export async function read(): Promise<{ counter: number; violations: number }> {
  return { counter: await get('counter'), violations: await get('violations') };
}

export async function enter(tab: string): Promise<void> {
  const tx = (await open()).transaction(STORE, 'readwrite');
  const inside = (await tx.store.get('inside')) as string | undefined;
  if (inside !== undefined) await tx.store.put(((await tx.store.get('violations')) ?? 0) + 1, 'violations');
  await tx.store.put(tab, 'inside');
  await tx.done;
}

export async function exit(tab: string): Promise<void> {
  const tx = (await open()).transaction(STORE, 'readwrite');
  if ((await tx.store.get('inside')) === tab) await tx.store.delete('inside');
  await tx.done;
}

/** Reads the counter; the caller writes it back with `write` after whatever interleaving it wants. */
export const readCounter = (): Promise<number> => get('counter');
export async function write(counter: number): Promise<void> {
  await (await open()).put(STORE, counter, 'counter');
}

export async function critical(tab: string): Promise<void> {
  await enter(tab);
  const counter = await readCounter();
  await new Promise<void>((resolve) => setTimeout(resolve, 0));
  await write(counter + 1);
  await exit(tab);
}

/** Appends `value` to the list under `key`, in one transaction (the order requests were granted in). */
export async function append(key: string, value: string): Promise<void> {
  const tx = (await open()).transaction(STORE, 'readwrite');
  const list = ((await tx.store.get(key)) as string[] | undefined) ?? [];
  await tx.store.put([...list, value], key);
  await tx.done;
}

export async function list(key: string): Promise<string[]> {
  return ((await (await open()).get(STORE, key)) as string[] | undefined) ?? [];
}
