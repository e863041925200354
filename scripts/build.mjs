// Builds what exists: Node-side bundles with esbuild (CommonJS, so piscina
// workers and the preload load from inside app.asar), the renderer with Vite.
// Usage: node scripts/build.mjs [--node-only]
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const nodeOnly = process.argv.includes('--node-only');

// Entry points -> output files under dist/. Only those whose source exists are built.
const entries = [
  ['main/cli.ts', 'dist/cli.cjs', { banner: '#!/usr/bin/env node' }],
  ['workers/extract.ts', 'dist/workers/extract.cjs'],
  ['main/main.ts', 'dist/main/main.cjs'],
  ['main/preload.ts', 'dist/main/preload.cjs'],
  ['main/serve-main.ts', 'dist/serve.cjs'],
  ['main/start.ts', 'dist/start.cjs'],
];

const external = [
  'electron',
  'better-sqlite3',
  'piscina',
  // pdf.js is ESM with top-level await: loaded at run time with import().
  'pdfjs-dist',
  // OCR: tesseract.js starts its own worker script and loads its wasm engine
  // and language data by path at run time, so they stay files in node_modules.
  'tesseract.js',
  'tesseract.js-core',
  '@tesseract.js-data/eng',
];

await Promise.all(
  entries
    .filter(([src]) => existsSync(path.join(root, src)))
    .map(([src, out, extra = {}]) =>
      build({
        entryPoints: [path.join(root, src)],
        outfile: path.join(root, out),
        bundle: true,
        platform: 'node',
        target: 'node20',
        format: 'cjs',
        sourcemap: 'linked',
        external,
        logLevel: 'warning',
        banner: extra.banner ? { js: extra.banner } : undefined,
        // Keep import.meta.url usable in the CJS output.
        define: { 'import.meta.url': 'importMetaUrl' },
        inject: [path.join(root, 'scripts/import-meta-url.js')],
      }),
    ),
);

if (!nodeOnly && existsSync(path.join(root, 'renderer/index.html'))) {
  execFileSync(process.execPath, [path.join(root, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], {
    cwd: root,
    stdio: 'inherit',
  });
}
