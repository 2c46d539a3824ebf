// Bundle-size budgets (crosslock/leader: set when it was added by issue 12, raised by 120 B when its
// leader learned to step down after a freeze and its followers to take over on time), checked by `npm test` (`npm run size`): size-limit bundles each import from the
// built package with esbuild, minified, and measures it gzipped or brotli-compressed.
//
// "At load" keeps the chunks the code loads itself (`import()`: the lease backend and the memory
// backend that platformDefault() picks from, the Web Locks ledger of checked grants, query()) out of
// the bundle: that is what an app that imports it pays before anything runs.
//
// The budgets are the sizes measured when they were set plus ~100 bytes: they stop growth. Last set by
// issue 11 (per-entry leases, record versions, warnings, sweeping, hand-out checks: +0.3 kB core,
// +1.6 kB with the lease backend; then sweeping the Web Locks ledger and staying in the back/forward
// cache: +130 B with the lease backend, +240 B with everything; see the README's Performance section; then,
// by issue 12, a page entering the back/forward cache aborts its transactions and stops its ticks, so
// Chromium does not evict it: +170 B with the lease backend, +140 B FencedStore, +90 B leader; and the
// leader's optional preference for a visible tab: +360 B leader; crosslock/service set when it was added by
// issue 13, comlink and the leader election included, then +850 B for its review fixes (per-start host ids,
// clean re-sends, comlink's side channels refused, synchronous option checks); FencedStore +100 B for
// putAll; crosslock/backup set when it was added by issue 14; then the chaos 20k fixes, +80 B with
// everything: the Web Locks ledger sweeps in two looks, a release in flight at a bfcache pagehide is given
// up cleanly; crosslock/backup +3.5 kB when its `manager` option made it run its own LeaderElection (an app
// that uses crosslock/leader already pays that once); and the service's second review, +250 B: staleness read afresh at every call, guarded
// bind(), host-thrown service errors wrapped); then +100 B with the lease backend, its sweep in two looks
// too; then, by issue 15 (the lease core shared with Redis), +210 B with the lease backend and +300 B with
// everything: query() and close() wait for the releases in flight, waiters and renewals outlive transient
// store errors, a waiter's or handed-over grant's release waits for its attempt on unordered stores, release
// hints, deadlines from the store's own expiry; +110 B leader: announcements on a cluster manager's channels;
// +80 B service (it refuses cluster managers; the leader's +110 B), +30 B backup (the leader's); then +50 B
// core at load, +30 B memory: a waiting lock() settles on its timeout even while its grant is being recorded
// (chaos web-locks 20k), and +110 B more with the lease backend (that, and releases announced by the store).
// Then +240 B with the lease backend: steal on leases (issue 16, for the Web Locks polyfill); crosslock/polyfill
// set when it was added (issue 16) at its measured size + ~40 B; +40 B core at load: WebLockManager refuses the
// polyfill as the browser's locks (platformDefault then picks leases); then +60 B core, +100 B lease backend: a
// review's fixes (a late grant neither counted as seen nor handed out after an abort; messages checked as read);
// +50 B lease backend: a handoff to a grant already stolen is void; +190 B lease backend and polyfill: every
// waiting request holds its own place in the stored queue, asked for in rounds (Web Locks FIFO across tabs);
// +110 B core at load (and everything on it): withLock()'s function starts inside the backend's grant (issue 17's
// Web Locks fast path: no promise hop between the browser's callback and the holder's code); +180 B with the
// lease backend and polyfill: a store held up by a paused page no longer piles up updates (one placing round
// per name in flight, places given up in one task released in one update; issue 11's chaos timing), and
// +60 B more for the lease manager's releases split into their own module (issue 11: files under ~300
// lines); +150 B service: its client split the same way (link, option checks, reconnect waiters); backup
// and fenced tightened to their measured sizes; then a review's fixes: +25 B lease backend (places given
// up are released before any later update of the tab), +80 B service and +10 B leader (listeners removed
// explicitly again, as addEventListener's `signal` needs Chrome 90; reconnect() rejects, never throws);
// +75 B lease backend and polyfill: tryLock() and `timeout: 0` answer null when IndexedDB does not answer
// within 1 s (a tab stopped inside a transaction holds it for all), a late grant given back, and +30 B: a
// late update's lasting failure goes to the next such call (+35 B). Then issue 17's fast path proper: an unchecked
// withLock() is one navigator.locks request whose grant callback makes the guard and runs the function (crosslock's
// JS per call 5.5 µs -> 1.6 µs over raw, `npm run bench:overhead`), the general `within` hook removed, both request
// paths sharing one #request, a timeout or abort settling the call at once even where the browser would not drop the
// request: +298 B core at load (+286 B brotli), +284 B with the lease backend, +322 B with everything, +12 B memory,
// +11 B polyfill (the shared base's protected helpers); +12 B core at load: a Web Locks steal needs `timeout: 0`, as on
// leases (a steal with a timeout was asked again when not granted); +241 B polyfill: its callbacks run in
// request order across names, as the spec grants them (lease-name lookups made in request order, and an answer
// that overtook an earlier request waits for it behind a barrier of two readonly transactions, polyfill/turns.ts). Then full names
// `<prefix>+<name>` (no two (prefix, name) pairs meet), crosslock's own locks in a namespace no lock() reaches, and
// every name a lock is made from checked against that lock's full length, with an error naming the limit
// (core/names.ts): +128 B core at load (+117 B brotli), +116 B with the lease backend (+121 B brotli), +137 B with
// everything, +112 B memory, +138 B fenced (namespaces by the name rule), +142 B polyfill, +256 B leader (its reserved
// lock, its kind, the check), +299 B service, +254 B backup (the leader's, and their own checks), each measured
// against the same tree without it. Then trust at the edges (issue 27): +240 B with the lease backend (+225 B
// brotli), +260 B with everything, +270 B polyfill, +95 B backup, +100 B fenced: after a loss of records nothing
// is granted until the longest lease has passed (the rule's window), a deleted IndexedDB database tells every
// holder at once (the connection's `onLost`, which FencedStore's connection carries too), and sweeps keep each
// entry's record for a margin of its own lease; +410 B with the lease backend (+350 B brotli), +430 B with
// everything, +400 B polyfill: every field of every bus message checked (a malformed one dropped with a warning),
// handoffs and steal notices of other managers confirmed in the store before anyone is granted or told, unload
// notices counted only for their sender's own entries (lease/messages.ts); +60 B with the lease backend (+65 B
// brotli), +60 B with everything, +60 B polyfill: a request confirming a handoff is answered from the record as it
// is, without a write, and a grant's deadlines never pass the stored expiry. Then +413 B service: a host never
// stops on its own (every failure a typed ServiceHostError event, the campaign going on after a capped backoff),
// close() racing a grant settles with nothing served and its locks released, the host's signal runs the lease
// and staleness checks when read (service/campaign.ts), a closed host removes its port listeners. Then +816 B
// leader (+757 B service, +809 B backup: the leader's, and the swapper's own close and error events): lead() never
// dies of a failed try for the lock (an ElectionError event, a capped backoff: leader/campaign.ts), close() racing
// the grant leaves nobody leading and the lock released, the leadership's guard runs its checks when read, no
// AbortSignal.any (core/signals.ts), the asyncDispose fallback; each measured against the same tree without it. They are
// NOT the targets of issue 7 (core at load ≤ 2 kB, with the IndexedDB fallback ≤ 5 kB), which the
// README's Performance section compares with, and which this contract does not meet today.
const lazyChunksExternal = {
  name: 'lazy-chunks-external',
  setup(build) {
    build.onResolve({ filter: /.*/ }, (args) => (args.kind === 'dynamic-import' ? { path: args.path, external: true } : undefined));
  },
};
const atLoad = (config) => ({ ...config, format: 'esm', plugins: [...(config.plugins ?? []), lazyChunksExternal] });

const core = { 'dist/index.js': '{ WebLockManager, platformDefault }' };
const withFallback = { ...core, 'dist/indexeddb.js': '{ IndexedDbLockManager }' };

export default [
  { name: 'core at load: contract + WebLockManager + platformDefault', import: core, modifyEsbuildConfig: atLoad, gzip: true, limit: '4935 B' },
  { name: 'core at load (brotli)', import: core, modifyEsbuildConfig: atLoad, brotli: true, limit: '4540 B' },
  { name: 'core + IndexedDB fallback (lease backend, idb included)', import: withFallback, modifyEsbuildConfig: atLoad, gzip: true, limit: '14465 B' },
  { name: 'core + IndexedDB fallback (brotli)', import: withFallback, modifyEsbuildConfig: atLoad, brotli: true, limit: '13230 B' },
  { name: 'core + everything it may load (ledger, query, memory, leases, idb)', import: core, gzip: true, limit: '16140 B' },
  { name: 'crosslock/memory: MemoryLockManager', import: { 'dist/memory.js': '{ MemoryLockManager }' }, gzip: true, limit: '3835 B' },
  { name: 'crosslock/leader: LeaderElection (with its worker ticker)', import: { 'dist/leader.js': '{ LeaderElection }' }, gzip: true, limit: '5000 B' },
  { name: 'crosslock/service: serve + connect (comlink included)', import: { 'dist/service.js': '{ serve, connect }' }, gzip: true, limit: '11710 B' },
  { name: 'crosslock/backup: BackupSwapper (IndexedDB target, idb and LeaderElection included)', import: { 'dist/backup.js': '{ BackupSwapper }' }, gzip: true, limit: '11285 B' },
  { name: 'crosslock/fenced: FencedStore, idb included', import: { 'dist/fenced.js': '{ FencedStore }' }, gzip: true, limit: '4780 B' },
  { name: 'crosslock/polyfill: installWebLocksPolyfill (the lease backend and idb included)', import: { 'dist/polyfill.js': '{ installWebLocksPolyfill }' }, gzip: true, limit: '15075 B' },
];
