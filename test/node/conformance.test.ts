import 'fake-indexeddb/auto';
import { indexedDbBackend, memoryBackend } from '../conformance/backends.js';
import { conformanceSuite } from '../conformance/suite.js';

conformanceSuite(memoryBackend('Node'));
conformanceSuite(indexedDbBackend('Node, fake-indexeddb'));
