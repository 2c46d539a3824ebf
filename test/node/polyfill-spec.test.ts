/** The Web Locks spec cases on crosslock/polyfill in Node (fake-indexeddb): fast; Chromium runs them too (test/browser/web-locks-spec.test.ts). */
import 'fake-indexeddb/auto';
import { afterAll } from 'vitest';
import { WebLocksPolyfill } from '../../src/polyfill.js';
import { webLocksSpec, type WebLocks } from '../web-locks-spec/cases.js';

const polyfill = new WebLocksPolyfill({ database: `spec-${Math.random().toString(36).slice(2)}` });
afterAll(() => polyfill.close());

webLocksSpec({ name: 'crosslock/polyfill (Node, fake-indexeddb)', locks: () => polyfill as unknown as WebLocks });
