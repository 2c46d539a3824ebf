/**
 * The chaos suite's dedicated Worker (`leases-mixed`): an `IndexedDbLockManager` built directly, with
 * lease settings of its own, running actor actions sent by its page through comlink.
 *
 * It never calls `close()`: `IndexedDbLockManager.close()` throws a ReferenceError in a Worker today
 * (its dispose reads `document` unguarded), a known bug being fixed in src/.
 */
import * as Comlink from 'comlink';
import { FencedStore } from '../../src/fenced.js';
import { IndexedDbLockManager } from '../../src/indexeddb.js';
import { FENCED_NAMESPACE, LOCK_PREFIX, type ActorAction, type ActorSetup, type ActReport, type Counter } from '../chaos/types.js';
import { Actor } from './chaos-actor.js';

let actor: Actor | undefined;

const api = {
  init(setup: ActorSetup): string {
    const manager = new IndexedDbLockManager({ prefix: LOCK_PREFIX, ...setup.lease });
    actor = new Actor(manager, setup.tag, new FencedStore<Counter>({ namespace: FENCED_NAMESPACE }));
    return manager.clientId;
  },
  act: (action: ActorAction): Promise<ActReport> => actor!.act(action),
  drain: (): Promise<ActReport> => actor!.drain(),
};
export type ChaosWorkerApi = typeof api;

Comlink.expose(api);
