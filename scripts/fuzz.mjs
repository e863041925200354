#!/usr/bin/env node
// `npm run fuzz`: bundles bench/fuzz (TypeScript, with the engine it drives)
// as bench/run.mjs bundles the benchmarks, then runs it. Options: see
// bench/fuzz/main.ts. Exits 1 when a fuzzed file fails untyped, hangs, kills
// the extraction host without being charged for it, or is left running.
import { build } from 'esbuild';
import { createRequire } from 'node:module';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const OUT = path.join(ROOT, 'bench', 'fuzz', '.out', 'fuzz.cjs');

await build({
  entryPoints: [path.join(ROOT, 'bench', 'fuzz', 'main.ts')],
  outfile: OUT,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
  define: { 'import.meta.url': 'importMetaUrl' },
  inject: [path.join(ROOT, 'scripts', 'import-meta-url.js')],
});

try {
  process.exitCode = await createRequire(import.meta.url)(OUT).main(process.argv.slice(2), ROOT);
} catch (err) {
  console.error(`fuzz: ${err.message}`);
  process.exitCode = 2;
}
