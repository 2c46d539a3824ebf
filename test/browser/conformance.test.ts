import { indexedDbBackend, memoryBackend, webLocksBackend } from '../conformance/backends.js';
import { conformanceSuite } from '../conformance/suite.js';

conformanceSuite(memoryBackend('Chromium'));
conformanceSuite(webLocksBackend('Chromium'));
conformanceSuite(indexedDbBackend('Chromium'));
