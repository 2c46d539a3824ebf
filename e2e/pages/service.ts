/**
 * A tab of the service e2e (e2e/service.spec.ts): a client of the 'counter' service through a
 * SharedWorker (service-worker.ts) where there is one, or hosting it itself when elected (`fallback`)
 * where SharedWorker is missing. Every call the page makes is counted; `drain()` says how many settled.
 * Calls report when they ended, on the wall clock (`performance.timeOrigin + performance.now()`), so the
 * spec can time a host's death to the rejections it causes.
 */
import { StaleLockError } from '../../src/index.js';
import { connect, type HostInfo } from '../../src/service.js';
import { Counter, ledger, managerFor, type LedgerEntry } from './service-counter.js';

const params = new URLSearchParams(location.search);
const manager = managerFor();
const client = connect<Counter>('counter', {
  manager,
  worker: () => new SharedWorker(new URL('./service-worker.ts', import.meta.url), { type: 'module', name: 'counter' }),
  fallback: (host) => new Counter(host),
  timeout: Number(params.get('timeout') ?? 10_000),
  heartbeatMs: 250,
  staleAfterMs: 2000,
});

export interface Outcome {
  readonly ok?: LedgerEntry;
  readonly error?: { name: string; epoch?: number | undefined; accepted?: boolean | undefined; generation?: number | undefined; current?: number | undefined; isStale?: boolean };
  /** Wall-clock ms when it settled. */
  readonly at: number;
}

const now = (): number => performance.timeOrigin + performance.now();
let started = 0;
let settled = 0;
const outcomes = new Map<string, Promise<Outcome>>();

function track(id: string, call: () => Promise<LedgerEntry>): Promise<Outcome> {
  started++;
  const outcome = call().then(
    (ok): Outcome => ({ ok, at: now() }),
    (e: Error & { epoch?: number; accepted?: boolean; generation?: number; current?: number }): Outcome => ({
      error: { name: e.name, epoch: e.epoch, accepted: e.accepted, generation: e.generation, current: e.current, isStale: e instanceof StaleLockError },
      at: now(),
    }),
  );
  const counted = outcome.finally(() => settled++);
  outcomes.set(id, counted);
  return counted;
}

const serviceTab = {
  transport: client.transport,
  backend: async (): Promise<string> => (await manager).backend,
  /** Resolves once the client follows a host. */
  connected: (): Promise<HostInfo> => client.reconnect(),
  host: (): HostInfo | null => client.host,
  hosting: (): boolean => client.localHost?.context != null,
  add: (id: string): Promise<Outcome> => track(id, () => client.remote.add(id)),
  /** Starts a call that never ends by itself; resolves once the host says it started it. */
  hold: (id: string): Promise<void> =>
    new Promise<void>((resolve) => {
      const channel = new BroadcastChannel('service-e2e');
      channel.onmessage = (event: MessageEvent<{ started: string }>) => {
        if (event.data.started === id) (channel.close(), resolve());
      };
      void track(id, () => client.remote.hold(id));
    }),
  outcome: (id: string): Promise<Outcome> => outcomes.get(id)!,
  fail: (): Promise<Outcome> => track(`fail-${started}`, () => client.remote.fail() as unknown as Promise<LedgerEntry>),
  /** The calls a dedicated worker of this page makes (it has no SharedWorker: the channel). */
  fromWorker: (id: string): Promise<{ ok?: LedgerEntry; error?: string }> =>
    new Promise((resolve) => {
      const worker = new Worker(new URL('./service-dedicated.ts', import.meta.url), { type: 'module' });
      worker.onmessage = (event) => (resolve(event.data), worker.terminate());
      worker.postMessage(id);
    }),
  ledger: async (): Promise<Array<[string, LedgerEntry]>> => (await ledger().entries()) as Array<[string, LedgerEntry]>,
  drain: async (): Promise<{ started: number; settled: number }> => {
    await Promise.all(outcomes.values());
    return { started, settled };
  },
};

declare global {
  interface Window {
    serviceTab: typeof serviceTab;
  }
}
window.serviceTab = serviceTab;
