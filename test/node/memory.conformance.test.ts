import { MemoryLockManager, MemoryLockSpace } from '../../src/index.js';
import { conformanceSuite } from '../conformance/suite.js';

conformanceSuite({
  name: 'MemoryLockManager (Node)',
  space() {
    const space = new MemoryLockSpace();
    return { manager: ({ prefix }) => new MemoryLockManager(prefix === undefined ? { space } : { prefix, space }) };
  },
});
