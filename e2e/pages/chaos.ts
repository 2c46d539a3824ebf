/**
 * A chaos tab. `window.chaos.init(setup)` builds this tab's manager with `platformDefault()` (and
 * checks it picked the expected backend) and, when asked, a dedicated Worker with a manager of its own
 * (comlink, `chaos-worker.ts`); then the driver sends actor actions to the tab (`act`) or the worker
 * (`workerAct`), and at the end drains both, dumps the chaos log and reads the fenced counters.
 * With `setup.layer` (the coordination layers' configurations, e2e/chaos/layers/) the tab also runs that
 * layer's campaign over its manager (chaos-layers.ts, imported only then), driven through `layer*`.
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
import type { Layer } from './chaos-layers.js';
import type { LayerAction, LayerDump, LayerKind, LayerReport } from '../chaos/layers/types.js';

let actor: Actor | undefined;
let layer: Layer | undefined;
let worker: Comlink.Remote<ChaosWorkerApi> | undefined;
const store = new FencedStore<Counter>({ namespace: FENCED_NAMESPACE });
const shows: boolean[] = [];
addEventListener('pageshow', (event) => shows.push(event.persisted));
let beats = 0;
setInterval(() => void beats++, 25);

const chaos = {
  async init(setup: ActorSetup, workerSetup?: ActorSetup): Promise<{ clientId: string; workerClientId?: string }> {
    // A layer's page (chaos-layers.ts): its storage faults go in before its manager opens any database.
    const layers = setup.layer ? await import('./chaos-layers.js') : undefined;
    layers?.installFaults();
    const selection = await platformDefault({ prefix: LOCK_PREFIX, ...(setup.lease ? { indexedDb: setup.lease } : {}) });
    if (selection.backend !== setup.backend) throw new Error(`platformDefault picked ${selection.backend} (${selection.reason}), expected ${setup.backend}`);
    actor = new Actor(selection.manager, setup.tag, store);
    if (layers && setup.layer) layer = new layers.Layer(selection.manager, setup.tag, setup.layer);
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
  /** The layer's side (layers' configurations only): see chaos-layers.ts. */
  layerAct: (action: LayerAction): Promise<LayerReport> => layer!.act(action),
  layerDrain: (): Promise<LayerReport> => layer!.drain(),
  layerLeads: (ms: number): Promise<boolean> => layer!.leads(ms),
  layerProve: (): Promise<{ outcome: string; report: LayerReport }> => layer!.prove(),
  layerClose: (): Promise<LayerReport> => layer!.close(),
  layerDump: async (kind: LayerKind): Promise<LayerDump> => (await import('./chaos-layers.js')).dumpLayers(kind),
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
