/** Forged bus messages against IndexedDB leases in Chromium: posted on the lease BroadcastChannel by the page itself (a tab has a page lifecycle). */
import { deleteDB, openDB } from 'idb';
import { IndexedDbLockManager } from '../../src/indexeddb.js';
import { PROTOCOL_VERSION } from '../../src/lease/messages.js';
import { forgedMessageSuite } from '../lease/forged.js';

forgedMessageSuite('IndexedDB leases (Chromium)', () => {
  const database = `forged-${Math.random().toString(36).slice(2)}`;
  const channel = new BroadcastChannel(`crosslock:lease:v${PROTOCOL_VERSION}:${database}`);
  return {
    managers: () => [new IndexedDbLockManager({ database, leaseMs: 1000, renewMs: 100 }), new IndexedDbLockManager({ database, leaseMs: 1000, renewMs: 100 })],
    post: async (message) => channel.postMessage(message),
    async records() {
      const db = await openDB(database);
      const tx = db.transaction('leases');
      const [keys, values] = await Promise.all([tx.store.getAllKeys(), tx.store.getAll()]);
      db.close();
      return Object.fromEntries(keys.map((k, i) => [String(k), values[i]]));
    },
    lifecycle: true,
    async close() {
      channel.close();
      await deleteDB(database);
    },
  };
});
