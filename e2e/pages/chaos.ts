/**
 * A chaos tab. `window.chaos.init(setup)` builds this tab's manager with `platformDefault()` (and
 * checks it picked the expected backend) and, when asked, a dedicated Worker with a manager of its own
 * (comlink, `chaos-worker.ts`); then the driver sends actor actions to the tab (`act`) or the worker
 * (`workerAct`), and at the end drains both, dumps the chaos log and reads the fenced counters.
 *
 * A 25 ms heartbeat keeps some JavaScript running, so a CDP `Debugger.pause` takes effect within one
 * beat even when the tab is otherwise idle (the pause stops at the next statement run).
 * `pageshow` events are counted, with `persisted`, for the back/forward cache probe.
 */
import * as Comlink from 'comlink';
import { platformDefault } from '../../src/index.js';
import { FencedStore } from '../../src/fenced.js';
import { FENCED_NAMESPACE, LOCK_PREFIX, type ActorAction, type ActorSetup, type ActReport, type Counter } from '../chaos/types.js';
import { Actor } from './chaos-actor.js';
import type { ChaosWorkerApi } from './chaos-worker.js';
import { dump } from './chaos-log.js';

let actor: Actor | undefined;
let worker: Comlink.Remote<ChaosWorkerApi> | undefined;
const store = new FencedStore<Counter>({ namespace: FENCED_NAMESPACE });
const shows: boolean[] = [];
addEventListener('pageshow', (event) => shows.push(event.persisted));
let beats = 0;
setInterval(() => void beats++, 25);

const chaos = {
  async init(setup: ActorSetup, workerSetup?: ActorSetup): Promise<{ clientId: string; workerClientId?: string }> {
    const selection = await platformDefault({ prefix: LOCK_PREFIX, ...(setup.lease ? { indexedDb: setup.lease } : {}) });
    if (selection.backend !== setup.backend) throw new Error(`platformDefault picked ${selection.backend} (${selection.reason}), expected ${setup.backend}`);
    actor = new Actor(selection.manager, setup.tag, store);
    if (!workerSetup) return { clientId: selection.manager.clientId };
    worker = Comlink.wrap<ChaosWorkerApi>(new Worker(new URL('./chaos-worker.ts', import.meta.url), { type: 'module' }));
    return { clientId: selection.manager.clientId, workerClientId: await worker.init(workerSetup) };
  },
  act: (action: ActorAction): Promise<ActReport> => actor!.act(action),
  workerAct: (action: ActorAction): Promise<ActReport> => worker!.act(action),
  drain: (): Promise<ActReport> => actor!.drain(),
  workerDrain: (): Promise<ActReport> => worker!.drain(),
  dump,
  async counters(names: string[]): Promise<Record<string, Counter | undefined>> {
    return Object.fromEntries(await Promise.all(names.map(async (name) => [name, await store.get(name)] as const)));
  },
  /** `performance` time, comparable with the times in reports. */
  now: (): number => performance.timeOrigin + performance.now(),
  shows: (): boolean[] => [...shows],
};

declare global {
  interface Window {
    chaos: typeof chaos;
  }
}
window.chaos = chaos;
