/** Forged bus messages against IndexedDB leases in Chromium: posted on the lease BroadcastChannel by the page itself (a tab has a page lifecycle). */
import { forgedMessageSuite, indexedDbTarget } from '../lease/forged.js';

forgedMessageSuite('IndexedDB leases (Chromium)', indexedDbTarget(true));
