/**
 * The conformance suite: the behaviour every `LockManager` backend must have, written once and run on
 * each backend (async-mutex's `mutexSuite(factory)` is the model). Same behaviour, same errors.
 */
import { describe } from 'vitest';
import { abortCases } from './abort.js';
import { closeCases } from './close.js';
import { exclusiveCases } from './exclusive.js';
import { generationCases } from './generations.js';
import { guardCases } from './guard.js';
import { type ConformanceBackend, useBackend } from './harness.js';
import { inputCases } from './input.js';
import { nameCases } from './names.js';
import { queryCases } from './query.js';
import { sharedCases } from './shared.js';
import { timeoutCases } from './timeouts.js';
import { withLockCases } from './with-lock.js';

export type { ConformanceBackend, ConformanceSpace } from './harness.js';

export function conformanceSuite(backend: ConformanceBackend): void {
  describe(`LockManager conformance: ${backend.name}`, () => {
    const t = useBackend(backend);
    exclusiveCases(t);
    sharedCases(t);
    timeoutCases(t);
    abortCases(t);
    guardCases(t);
    withLockCases(t);
    queryCases(t);
    nameCases(t);
    inputCases(t);
    closeCases(t);
    generationCases(t);
  });
}
