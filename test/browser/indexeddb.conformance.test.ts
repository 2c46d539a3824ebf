import { deleteDB } from 'idb';
import { IndexedDbLockManager } from '../../src/index.js';
import { conformanceSuite } from '../conformance/suite.js';

conformanceSuite({
  name: 'IndexedDbLockManager (Chromium)',
  pollsWhileWaiting: true,
  space() {
    const database = `conformance-${Math.random().toString(36).slice(2)}`;
    return {
      manager: ({ prefix }) => new IndexedDbLockManager(prefix === undefined ? { database } : { prefix, database }),
      dispose: () => deleteDB(database),
    };
  },
});
