import { build } from 'esbuild';
import { gzipSync, brotliCompressSync } from 'node:zlib';
const [imp, ...stubs] = process.argv.slice(2);
const stub = { name: 'stub', setup(b) { b.onResolve({ filter: /.*/ }, (a) => stubs.some((s) => a.path.includes(s)) ? { path: a.path, namespace: 'stub' } : undefined); b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({ contents: 'export class LeaseStore{}; export const FENCED_STORE=1; export class IndexedDbLockManager{}; export class MemoryLockManager{}', loader: 'js' })); } };
const r = await build({ stdin: { contents: `export ${imp} from './src/index.ts'`, resolveDir: '/work/main', loader: 'ts' }, plugins: [stub], bundle: true, minify: true, format: 'esm', write: false, metafile: true, outfile: "/tmp/sz/out.js", target: 'es2022' });
const code = r.outputFiles[0].contents;
console.log(imp, stubs.join(','), 'min', code.length, 'gzip', gzipSync(code, { level: 9 }).length);
import { writeFileSync } from 'node:fs'; writeFileSync('/tmp/sz/out.js', code);
