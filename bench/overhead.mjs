/**
 * `npm run bench:overhead`: crosslock's own JavaScript cost per acquisition, without the browser. The
 * built package (dist/) runs in Node over a fake `navigator.locks` that grants in a microtask; raw calls
 * go to the same fake, so the difference is crosslock's code alone: option checks, the guard, the
 * bookkeeping, the promise hops. In a browser each acquisition also pays the lock manager's IPC
 * (~150–250 µs on the bench machine), whose noise hides a few µs; here they show (issue 17).
 *
 * Plain JavaScript run by `node`, not tsx: tsx's transform names every function (`__name`), which
 * would be measured too. Options: --calls 100000 (per kind and round), --rounds 3.
 */
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const calls = option('calls', 100_000);
const rounds = option('rounds', 3);

/** FIFO exclusive locks, granted in a microtask: the part of navigator.locks the waiting calls below use. */
const held = new Set();
const queues = new Map();
const next = (name) => {
  const run = queues.get(name)?.shift();
  if (run) queueMicrotask(run);
  else held.delete(name);
};
const locks = {
  request(name, options, callback) {
    callback ??= options;
    return new Promise((resolve, reject) => {
      const run = () => {
        held.add(name);
        let result;
        try {
          result = callback({ name, mode: 'exclusive' });
        } catch (error) {
          next(name);
          return reject(error);
        }
        Promise.resolve(result).then(
          (value) => (next(name), resolve(value)),
          (error) => (next(name), reject(error)),
        );
      };
      if (held.has(name)) (queues.get(name) ?? queues.set(name, []).get(name)).push(run);
      else {
        held.add(name);
        queueMicrotask(run);
      }
    });
  },
};
globalThis.navigator = { locks };
globalThis.document = {}; // "a browser" for WebLockManager's check
const { WebLockManager } = await import('../dist/index.js');
const manager = new WebLockManager({ prefix: 'overhead' });
const empty = async () => {};
const kinds = {
  'raw navigator.locks.request': () => locks.request('overhead.raw', empty),
  'withLock, unchecked, timeout Infinity': () => manager.withLock('a', { timeout: Infinity, unchecked: true }, empty),
  'withLock, unchecked, timeout 5000': () => manager.withLock('b', { timeout: 5000, unchecked: true }, empty),
  'lock() + release(), unchecked': async () => (await manager.lock('c', { timeout: Infinity, unchecked: true })).release(),
};
const perCall = {};
for (let round = 0; round <= rounds; round++) {
  for (const [kind, call] of Object.entries(kinds)) {
    const n = round === 0 ? 2000 : calls; // round 0: the first 2000 calls, from cold
    const start = performance.now();
    for (let i = 0; i < n; i++) await call();
    (perCall[kind] ??= []).push(((performance.now() - start) / n) * 1000);
  }
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const raw = median(perCall['raw navigator.locks.request'].slice(1));
console.log(`${'µs per call'.padEnd(40)}${'cold'.padStart(8)}${'warm'.padStart(8)}${'over raw'.padStart(10)}`);
for (const [kind, times] of Object.entries(perCall)) {
  const warm = median(times.slice(1));
  console.log(`${kind.padEnd(40)}${times[0].toFixed(2).padStart(8)}${warm.toFixed(2).padStart(8)}${(warm - raw).toFixed(2).padStart(10)}`);
}
console.log(`Node ${process.version} · ${rounds} rounds of ${calls} calls (median), after 2000 cold ones`);
