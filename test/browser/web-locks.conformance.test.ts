import { WebLockManager } from '../../src/index.js';
import { conformanceSuite } from '../conformance/suite.js';

// Every manager shares the origin's navigator.locks; the suite's random prefix per test keeps tests apart.
conformanceSuite({
  name: 'WebLockManager (Chromium)',
  deviations: {
    // Seen in Chromium 156: after a waiting request is aborted, the queue is not processed again
    // (spec: "abort the request" removes it and processes the queue, w3c/web-locks#56; Firefox does,
    // dom/locks/LockRequestParent.cpp). Exclusion is unaffected; shared waiters behind an aborted
    // exclusive waiter are granted once the lock is next free. Reproduced with raw navigator.locks in
    // test/browser/web-locks.test.ts.
    queueNotReprocessedOnAbort: 'Chromium does not reprocess the lock queue after an abort',
  },
  space() {
    return { manager: ({ prefix }) => new WebLockManager(prefix === undefined ? {} : { prefix }) };
  },
});
