import { describe, expect, it } from 'vitest';
import { chooseTransport, type TransportMode } from './transport.js';

describe('chooseTransport', () => {
  it.each<[TransportMode, boolean, boolean, boolean, ReturnType<typeof chooseTransport>]>([
    ['auto', true, true, false, { transport: 'port', hostHere: false }],
    ['auto', true, true, true, { transport: 'port', hostHere: false }],
    ['auto', false, true, true, { transport: 'channel', hostHere: true }], // no SharedWorker: the fallback
    ['auto', false, true, false, { transport: 'channel', hostHere: false }], // a dedicated worker: another realm hosts
    ['auto', true, false, true, { transport: 'channel', hostHere: true }], // no worker given
    ['channel', true, true, true, { transport: 'channel', hostHere: true }], // forced
    ['channel', true, true, false, { transport: 'channel', hostHere: false }],
    ['shared-worker', true, true, false, { transport: 'port', hostHere: false }],
    ['shared-worker', false, true, true, { unsupported: 'this realm has no SharedWorker (use mode "auto" with a `fallback`)' }],
    ['shared-worker', true, false, false, { unsupported: 'mode "shared-worker" needs the `worker` option' }],
  ])('mode %s, SharedWorker %s, worker %s, fallback %s', (mode, sharedWorker, worker, fallback, expected) => {
    expect(chooseTransport({ mode, sharedWorker, worker, fallback })).toEqual(expected);
  });
});
