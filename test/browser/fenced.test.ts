import { WebLockManager } from '../../src/index.js';
import { fencedStoreCases } from '../fenced/cases.js';

fencedStoreCases('Chromium', (database) => new WebLockManager({ database, prefix: 'w' }));
