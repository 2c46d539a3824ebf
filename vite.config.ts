/**
 * Library build (`vite build`): one ESM entry, no dependencies bundled. Declarations come from
 * `tsc -p tsconfig.build.json` (vite-plugin-dts needs TypeScript's JS API, which TypeScript 7 lacks).
 *
 * The dev server (`vite`) serves the repository root: e2e pages under /e2e/pages/ import /src/ directly.
 */
import { defineConfig } from 'vite';

export default defineConfig({
  server: { host: '127.0.0.1', strictPort: true },
  preview: { host: '127.0.0.1', strictPort: true },
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    lib: {
      entry: 'src/index.ts',
      formats: ['es'],
      fileName: 'index',
    },
  },
});
