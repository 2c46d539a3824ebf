/**
 * Library build (`vite build`): one ESM file per entry point (`crosslock`, `crosslock/memory`,
 * `crosslock/indexeddb`, `crosslock/fenced`, `crosslock/leader`, `crosslock/service`, `crosslock/backup`, `crosslock/backup/file`, `crosslock/redis`, `crosslock/polyfill`) plus shared chunks, no
 * dependencies bundled (`idb`; the peers `comlink` and `redis`, which crosslock/redis never imports). Declarations come from
 * `tsc -p tsconfig.build.json` (vite-plugin-dts needs TypeScript's JS API, which TypeScript 7 lacks).
 *
 * The dev server (`vite`) serves the repository root: e2e pages under /e2e/pages/ import /src/ directly.
 *
 * Demo (`--mode demo`): `vite --mode demo` serves demo/, `vite build --mode demo` writes a static site
 * to dist-demo/ (relative paths: deployable anywhere), `vite preview --mode demo` serves that build.
 */
import { defineConfig } from 'vite';

const demo = defineConfig({
  root: 'demo',
  base: './',
  server: { host: '127.0.0.1', port: 5173 },
  preview: { host: '127.0.0.1', port: 4173 },
  build: { outDir: '../dist-demo', emptyOutDir: true, target: 'es2022' },
});

export default defineConfig(({ mode }) => (mode === 'demo' ? demo : library));

const library = defineConfig({
  server: { host: '127.0.0.1', strictPort: true },
  preview: { host: '127.0.0.1', strictPort: true },
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    lib: {
      entry: { index: 'src/index.ts', memory: 'src/memory.ts', indexeddb: 'src/indexeddb.ts', fenced: 'src/fenced.ts', leader: 'src/leader.ts', service: 'src/service.ts', backup: 'src/backup.ts', 'backup-file': 'src/backup-file.ts', redis: 'src/redis.ts', polyfill: 'src/polyfill.ts' },
      formats: ['es'],
      fileName: (_format, name) => `${name}.js`,
    },
    // Dependencies stay imports: the app's bundler dedupes them (Vite 8 names this rolldownOptions).
    rolldownOptions: { external: ['idb', 'comlink', 'redis', /^node:/] },
  },
});
