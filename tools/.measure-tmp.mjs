import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
const [imp, from = '/work/main/src/index.ts'] = process.argv.slice(2);
const r = await build({ stdin: { contents: `export ${imp} from '${from}'`, resolveDir: '/work/main', loader: 'ts' }, bundle: true, minify: true, format: 'esm', write: false, metafile: true, treeShaking: true, target: 'es2022' });
const code = r.outputFiles[0].contents;
console.log(imp, 'min', code.length, 'gzip', gzipSync(code, { level: 9 }).length);
const out = Object.values(r.metafile.outputs)[0];
const rows = Object.entries(out.inputs).map(([k, v]) => [v.bytesInOutput, k]).sort((a, b) => b[0] - a[0]);
for (const [b, k] of rows) if (b > 0) console.log(String(b).padStart(7), k);
