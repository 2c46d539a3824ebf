/**
 * How a client reaches its host, decided once, with no I/O (table-tested):
 * - `'port'`: through a SharedWorker's port (the client makes the worker with `worker()`; the worker
 *   calls `serve()`). Chosen when SharedWorker exists and `worker` is given, unless `mode` says otherwise.
 * - `'channel'`: through the service's channel, to whichever realm hosts: a SharedWorker (which serves
 *   the channel too), or, where SharedWorker is missing (Chrome Android before 148, Safari before 16, a
 *   dedicated worker), the page elected to host: this one too when it has a `fallback` implementation.
 * Never a plain Worker standing in for a SharedWorker: each page would run its own copy.
 */
export type TransportMode = 'auto' | 'shared-worker' | 'channel';

export type Transport = { transport: 'port' | 'channel'; hostHere: boolean } | { unsupported: string };

export function chooseTransport(input: { mode: TransportMode; sharedWorker: boolean; worker: boolean; fallback: boolean }): Transport {
  const { mode, sharedWorker, worker, fallback } = input;
  if (mode === 'shared-worker') {
    if (!worker) return { unsupported: 'mode "shared-worker" needs the `worker` option' };
    if (!sharedWorker) return { unsupported: 'this realm has no SharedWorker (use mode "auto" with a `fallback`)' };
    return { transport: 'port', hostHere: false };
  }
  if (mode === 'auto' && worker && sharedWorker) return { transport: 'port', hostHere: false };
  return { transport: 'channel', hostHere: fallback };
}
