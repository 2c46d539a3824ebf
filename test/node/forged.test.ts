/** Forged bus messages against IndexedDB leases in Node (fake-indexeddb, Node's BroadcastChannel; no page lifecycle). */
import 'fake-indexeddb/auto';
import { forgedMessageSuite, indexedDbTarget } from '../lease/forged.js';

forgedMessageSuite('IndexedDB leases (Node)', indexedDbTarget(false));
