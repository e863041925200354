// Builds what exists: Node-side bundles with esbuild (CommonJS, so the main
// process and the preload load from inside app.asar), the extraction worker
// as ES modules split into chunks, and the renderer with Vite.
// Usage: node scripts/build.mjs [--node-only]
import { build } from 'esbuild';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const nodeOnly = process.argv.includes('--node-only');

// Entry points -> output files under dist/. Only those whose source exists are built.
const entries = [
  // `quarry`: a small entry that loads the search alone for `quarry search`, the whole CLI otherwise.
  ['main/cli-entry.ts', 'dist/cli.cjs', { banner: '#!/usr/bin/env node' }],
  ['main/cli.ts', 'dist/quarry-cli.cjs'],
  // Minified: a process per query parses it every time (about 40% less to parse).
  ['main/search-main.ts', 'dist/quarry-search.cjs', { minify: true }],
  ['main/main.ts', 'dist/main/main.cjs'],
  ['main/preload.ts', 'dist/main/preload.cjs'],
  ['main/serve-main.ts', 'dist/serve.cjs'],
  ['main/start.ts', 'dist/start.cjs'],
  // The extraction host: the process the piscina pool runs in (main/core/host).
  ['main/core/host/host-process.ts', 'dist/host.cjs'],
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
  // 7-Zip in WebAssembly: its wasm file is read from the package at run time.
  '7z-wasm',
];

/**
 * The worker: every thread is its own V8 heap holding the code it loaded, so
 * it is split (ES modules, the only format esbuild splits) and each extractor
 * with its libraries loads when a file of its format first comes. One bundle
 * cost each thread 12 MB of heap; the core alone costs 4.
 */
async function buildWorker() {
  const outdir = path.join(root, 'dist/workers');
  const built = await build({
    entryPoints: [path.join(root, 'workers/extract.ts')],
    outdir,
    entryNames: '[name]',
    chunkNames: 'chunk-[hash]',
    outExtension: { '.js': '.mjs' },
    splitting: true,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    sourcemap: 'linked',
    external,
    logLevel: 'warning',
    metafile: true,
    // Bundled CommonJS libraries still call require() and read __dirname
    // (renamed, so that a bundled module's own __dirname cannot clash).
    define: { __dirname: '__quarryDirname', __filename: '__quarryFilename' },
    banner: {
      js: [
        "import { createRequire as __createRequire } from 'node:module';",
        "import { fileURLToPath as __fileURLToPath } from 'node:url';",
        "import { dirname as __pathDirname } from 'node:path';",
        'const require = __createRequire(import.meta.url);',
        'const __quarryFilename = __fileURLToPath(import.meta.url);',
        'const __quarryDirname = __pathDirname(__quarryFilename);',
      ].join(' '),
    },
  });
  pruneChunks(outdir, new Set(Object.keys(built.metafile.outputs).map((f) => path.basename(f))));
}

/**
 * Chunks of earlier builds go, but only once a day old: a process started
 * before this build (npm run serve beside npm test) still imports its own
 * chunks when a file of a new format first comes.
 */
function pruneChunks(dir, current) {
  const dayAgo = Date.now() - 24 * 3600_000;
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    if (name.startsWith('chunk-') && !current.has(name) && statSync(file).mtimeMs < dayAgo) rmSync(file);
  }
}

await Promise.all([
  ...(existsSync(path.join(root, 'workers/extract.ts')) ? [buildWorker()] : []),
  ...entries
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
        minify: extra.minify ?? false,
        // Keep import.meta.url usable in the CJS output.
        define: { 'import.meta.url': 'importMetaUrl' },
        inject: [path.join(root, 'scripts/import-meta-url.js')],
      }),
    ),
]);

if (!nodeOnly && existsSync(path.join(root, 'renderer/index.html'))) {
  execFileSync(process.execPath, [path.join(root, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], {
    cwd: root,
    stdio: 'inherit',
  });
}
