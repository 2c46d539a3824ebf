/**
 * A tab of a wallet that needs one leader (e2e/leader.spec.ts). On load it campaigns with a
 * `LeaderElection` named 'wallet' over platformDefault()'s manager (Web Locks, or IndexedDB leases
 * where they are hidden), options from the query string (`?hb=250&stale=2000`). Each time it leads it
 * does what a wallet's leader does, fenced by its term: it writes `elected:<term>:<clientId>` once, and
 * `beat:<term>:<clientId>:<n>` every 100 ms while its signal is not aborted, through one FencedStore.
 * The spec reads that ledger back from IndexedDB to check that terms only go up and that no two
 * leaders' writes landed in one term. Every promise the page starts is counted, and `drain()` reports
 * how many settled. `?throttled` stubs the page's timers (see below); `?prefer` sets `preferVisible`;
 * `?hidden` makes the page look hidden from the start.
 */
import { platformDefault, type LockManager } from '../../src/index.js';
import { FencedStore } from '../../src/fenced.js';
import { LeaderElection, type Leadership } from '../../src/leader.js';
import { openDB } from 'idb';

export interface LedgerEntry {
  readonly term: number;
  readonly clientId: string;
  /** Wall-clock ms. */
  readonly at: number;
}

const params = new URLSearchParams(location.search);
// `?throttled`: a hidden tab's timers run once a minute after a while (intensive throttling); here,
// never. Stubbed before anything starts one (replacing them later would leave running ones running).
if (params.has('throttled')) {
  window.setTimeout = (() => 0) as never;
  window.setInterval = (() => 0) as never;
}
const options = { heartbeatMs: Number(params.get('hb') ?? 250), staleAfterMs: Number(params.get('stale') ?? 2000), preferVisible: params.has('prefer') };

/** Makes this page hidden or visible as far as its scripts can tell (headless pages are always visible). */
function setHidden(hidden: boolean): void {
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (hidden ? 'hidden' : 'visible') });
  Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
  document.dispatchEvent(new Event('visibilitychange'));
}
if (params.has('hidden')) setHidden(true);
const store = new FencedStore<LedgerEntry>({ namespace: 'leader' });
const started: Array<Promise<unknown>> = [];
let settled = 0;
/** Unexpected failures (a write refused for any reason but a newer term is one). */
const problems: string[] = [];
const track = <T>(promise: Promise<T>): Promise<T> => {
  started.push(promise.finally(() => settled++).catch(() => {}));
  return promise;
};
const now = (): number => performance.timeOrigin + performance.now();

let manager: LockManager | undefined;
let election: LeaderElection | undefined;
let last: Leadership | undefined;
const ends: Array<{ term: number; reason: string; message: string }> = [];
const writes = { landed: 0, refused: 0 };
/** Set by `quiet()`: no more ledger writes from the write loop. */
let quiet = false;
const inFlight = new Set<Promise<string>>();
const leading: Array<(term: number) => void> = [];
let ready: () => void;
const isReady = new Promise<void>((resolve) => (ready = resolve));

/** A fenced write under `lead`: 'ok', or the error's name ('StaleLockError' once another leader took over). */
function write(lead: Leadership, key: string): Promise<string> {
  const entry: LedgerEntry = { term: lead.term, clientId: manager!.clientId, at: now() };
  const written = track(
    store.put(lead.guard, key, entry).then(
      () => (writes.landed++, 'ok'),
      (e: Error) => {
        writes.refused++;
        if (e.name !== 'StaleLockError') problems.push(`write ${key}: ${e.name}: ${e.message}`);
        return e.name;
      },
    ),
  );
  inFlight.add(written);
  void written.finally(() => inFlight.delete(written));
  return written;
}

async function campaign(): Promise<void> {
  // `?lease=5000`: the IndexedDB lease backend's leaseMs (ignored on Web Locks).
  const leaseMs = params.get('lease');
  manager = (await platformDefault({ prefix: 'e2e', ...(leaseMs ? { indexedDb: { leaseMs: Number(leaseMs) } } : {}) })).manager;
  election = new LeaderElection(manager, 'wallet', options);
  ready();
  for (;;) {
    let lead: Leadership;
    try {
      lead = await track(election.lead());
    } catch (e) {
      if ((e as Error).name !== 'ManagerClosedError') problems.push(`lead(): ${(e as Error).name}: ${(e as Error).message}`);
      return;
    }
    last = lead;
    for (const resolve of leading.splice(0)) resolve(lead.term);
    const id = manager.clientId;
    void write(lead, `elected:${lead.term}:${id}`);
    let n = 0;
    const timer = setInterval(() => {
      if (!lead.signal.aborted && !quiet) void write(lead, `beat:${lead.term}:${id}:${n++}`);
    }, 100);
    if (!lead.signal.aborted) await new Promise((resolve) => lead.signal.addEventListener('abort', resolve, { once: true }));
    clearInterval(timer);
    const reason = lead.signal.reason as { name: string; kind?: string; message: string };
    ends.push({ term: lead.term, reason: `${reason.name}${reason.kind ? `:${reason.kind}` : ''}`, message: reason.message });
  }
}

const campaigning = track(campaign());

declare global {
  interface Window {
    leaderTab: typeof leaderTab;
  }
}
const leaderTab = {
  /** Resolves with the backend once this tab campaigns. */
  ready: async () => (await isReady, manager!.backend),
  clientId: () => manager?.clientId,
  isLeader: () => election?.isLeader ?? false,
  /** This tab's view of who leads. */
  leader: () => election?.leader ?? null,
  /** Resolves once this tab leads: its term. */
  leads: (): Promise<number> => (election?.isLeader && last ? Promise.resolve(last.term) : new Promise((resolve) => leading.push(resolve))),
  setHidden,
  /** How many requests wait for the election's lock (from this tab's manager). */
  waiting: async () => (await isReady, (await manager!.query()).pending.filter((l) => l.name === election!.lockName).length),
  /** The last leadership's term, whether its signal is aborted, and with what. */
  lastLeadership: () =>
    last
      ? {
          term: last.term,
          aborted: last.signal.aborted,
          reason: last.signal.aborted ? (last.signal.reason as Error).name : undefined,
          kind: last.signal.aborted ? (last.signal.reason as { kind?: string }).kind : undefined,
        }
      : undefined,
  ends: () => ends,
  /**
   * Stops the ledger's write loop and waits for the writes under way: a page stopped in the debugger
   * in the middle of a transaction blocks that IndexedDB store for every tab until it runs again
   * (README: "A hung tab and IndexedDB"), which is not what the freeze test is about.
   */
  async quiet(): Promise<void> {
    quiet = true;
    await Promise.all(inFlight);
  },
  /**
   * Whether the lock records can be written now: a readwrite transaction on crosslock's lease store, given
   * `ms` to complete. False when another page holds that store in a transaction it cannot finish (paused by
   * the debugger in the middle of one: README, "A hung tab and IndexedDB").
   */
  async storeFree(ms: number): Promise<boolean> {
    const db = await openDB('crosslock');
    try {
      const tx = db.transaction('leases', 'readwrite');
      void tx.store.get('probe');
      return await Promise.race([tx.done.then(() => true), new Promise<boolean>((resolve) => setTimeout(resolve, ms, false))]);
    } finally {
      db.close();
    }
  },
  /** A write under the last leadership, now ('ok' or the error's name). */
  writeNow: () => write(last!, `late:${last!.term}:${manager!.clientId}:${now()}`),
  /** The whole ledger, read back from IndexedDB. */
  ledger: async (): Promise<Array<[string, LedgerEntry]>> => store.entries(),
  writes: () => writes,
  problems: () => problems,
  /** Stops campaigning and waits for every promise this page started. */
  async drain(): Promise<{ started: number; settled: number }> {
    await election?.close();
    await campaigning.catch(() => {});
    let count: number;
    do {
      count = started.length;
      await Promise.all(started);
    } while (count !== started.length);
    return { started: started.length, settled };
  },
};
window.leaderTab = leaderTab;
