// Bundle-size budgets, checked by `npm test` (`npm run size`): size-limit bundles each import from the
// built package with esbuild, minified, and measures it gzipped (and brotli-compressed).
//
// "At load" keeps the chunks the code loads itself (`import()`) out of the bundle: that is what an
// app that imports it pays before anything runs. "Everything it may load" bundles those chunks in:
// what a browser without Web Locks (lease backend) or a checked Web Locks grant (ledger) adds.
const lazyChunks = ['./memory.js', './indexeddb.js', './ledger-*'];
const atLoad = (config) => ({ ...config, external: [...(config.external ?? []), ...lazyChunks] });

const core = '{ WebLockManager, platformDefault }';

export default [
  { name: 'crosslock core at load: contract + WebLockManager + platformDefault', path: 'dist/index.js', import: core, modifyEsbuildConfig: atLoad, gzip: true, limit: '2 KB' },
  { name: 'crosslock core at load (brotli)', path: 'dist/index.js', import: core, modifyEsbuildConfig: atLoad, brotli: true },
  { name: 'crosslock core + everything it may load: IndexedDB fallback, ledger, memory, idb', path: 'dist/index.js', import: core, gzip: true, limit: '5 KB' },
  { name: 'crosslock core + everything it may load (brotli)', path: 'dist/index.js', import: core, brotli: true },
  { name: 'crosslock/indexeddb: IndexedDbLockManager, idb included', path: 'dist/indexeddb.js', import: '{ IndexedDbLockManager }', gzip: true },
  { name: 'crosslock/memory: MemoryLockManager', path: 'dist/memory.js', import: '{ MemoryLockManager }', gzip: true },
  { name: 'crosslock/fenced: FencedStore, idb included', path: 'dist/fenced.js', import: '{ FencedStore }', gzip: true },
];
