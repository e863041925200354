/**
 * The worker as a packaged app runs it, without Electron: only what
 * electron-builder.yml unpacks from app.asar is copied into a folder of its
 * own, and the built worker runs from there in a real piscina pool. Code in
 * app.asar.unpacked resolves modules only from app.asar.unpacked, so
 * whatever a worker loads at run time and the list forgot fails here as it
 * would in the app: pdf.js without @napi-rs/canvas could not even load, and
 * OCR without tesseract.js's own dependencies found no text.
 */
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Piscina from 'piscina';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkerOutcome } from '../../shared/extraction';
import { makeDocx, makeEml, makePdf, makeXlsx } from '../helpers/fixtures';
import { makeScanPdf, renderText } from '../helpers/scan-fixtures';
import { tempDir } from '../helpers/tmp';
import { skipWhen } from '../helpers/skip';
import { ExtractionHost } from '../../main/core/host/client';
import { SearchIndexer } from '../../main/core/search-indexer';
import { JobStore } from '../../main/core/store/job-store';
import { sampleResult } from '../helpers/results';
import { OWNER } from '../helpers/store-states';

const root = path.resolve(import.meta.dirname, '../..');
const corpusOcr = path.resolve(root, '../shared/corpus/ocr/testocr.png');
const corpus7z = path.resolve(root, '../shared/corpus/7z/bla.7z');
const corpusPhoto = path.resolve(root, '../shared/corpus/image/IMG_20180725_163423-tiny.jpg');

/** The folders asarUnpack names (brace lists expanded; `**\/*.node` comes with the folders that hold them). */
function unpackedFolders(yml: string): string[] {
  const block = yml.split(/^asarUnpack:\s*$/m)[1]!.split(/^\S/m)[0]!;
  const globs = [...block.matchAll(/^\s+-\s+["']?([^"'\n]+?)["']?\s*$/gm)].map((m) => m[1]!);
  return globs
    .filter((g) => g !== '**/*.node')
    .flatMap((g) => {
      const m = g.match(/^(.*)\{([^}]+)\}(.*)$/);
      return m ? m[2]!.split(',').map((x) => m[1] + x + m[3]) : [g];
    })
    .map((g) => {
      if (!g.endsWith('/**')) throw new Error(`asarUnpack entry this test cannot copy: ${g}`);
      return g.slice(0, -3);
    });
}

const home = tempDir('quarry-packaged-');
const unpacked = path.join(home, 'resources', 'app.asar.unpacked');
let pool: Piscina;

/** True when no folder above `dir` holds a node_modules the worker could wrongly fall back to. */
function isolated(dir: string): boolean {
  for (let d = path.dirname(dir); ; d = path.dirname(d)) {
    if (existsSync(path.join(d, 'node_modules'))) return false;
    if (d === path.dirname(d)) return true;
  }
}

beforeAll(() => {
  for (const folder of unpackedFolders(readFileSync(path.join(root, 'electron-builder.yml'), 'utf8'))) {
    const from = path.join(root, folder);
    // A glob for a package another platform would install (none today) has nothing to copy.
    if (existsSync(from)) cpSync(from, path.join(unpacked, folder), { recursive: true });
  }
  pool = new Piscina({ filename: path.join(unpacked, 'dist/workers/extract.mjs'), maxThreads: 1 });
});
afterAll(() => pool?.destroy());

async function extract(file: string): Promise<WorkerOutcome> {
  return pool.run({ path: file, options: {} });
}

describe('the worker from the unpacked part of a packaged app', () => {
  it('runs from a folder with nothing above it to fall back on', () => {
    expect(isolated(unpacked), `a node_modules above ${unpacked} would hide missing unpacked modules`).toBe(true);
    expect(existsSync(path.join(unpacked, 'dist/workers/extract.mjs'))).toBe(true);
  });

  it('extracts a PDF (pdf.js and the canvas package it loads at import)', async () => {
    const file = path.join(home, 'doc.pdf');
    writeFileSync(file, await makePdf({ pages: [['Packaged PDF text']] }));
    const r = await extract(file);
    expect(r.ok ? r.result.text : r.error.message).toContain('Packaged PDF text');
  });

  it('extracts formats bundled in chunks: DOCX, XLSX, e-mail', async () => {
    const docx = path.join(home, 'a.docx');
    writeFileSync(docx, makeDocx({ body: [{ text: 'Packaged Word text' }] }));
    const xlsx = path.join(home, 'a.xlsx');
    writeFileSync(xlsx, makeXlsx({ sheets: [{ name: 'S', rows: [['Packaged cell']] }] }));
    const eml = path.join(home, 'a.eml');
    writeFileSync(eml, makeEml({ subject: 'Packaged mail', from: 'a@example.org', to: 'b@example.org', text: 'Packaged mail body' }));
    for (const [file, text] of [
      [docx, 'Packaged Word text'],
      [xlsx, 'Packaged cell'],
      [eml, 'Packaged mail body'],
    ] as const) {
      const r = await extract(file);
      expect(r.ok ? r.result.text : r.error.message, file).toContain(text);
    }
  });

  const noOcrImage = `packaged OCR check: ${corpusOcr} not found (the shared corpus is absent).`;
  it('runs OCR (tesseract.js, its wasm, its language data and its own dependencies)', skipWhen(!existsSync(corpusOcr), noOcrImage), async () => {
    const r = await extract(corpusOcr);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.result.text).toMatch(/This is a lot of 12 point text/);
  });

  it("OCRs a scanned PDF page from its image (pdf.js decodes it: no canvas) and probes a photo with pdf.js's JPEG decoder", async () => {
    const scan = path.join(home, 'scan.pdf');
    writeFileSync(scan, makeScanPdf([{ image: renderText(['PAGE 1 OF THE TEST', 'WORDS MAKE LIFE BETTER'], 4), dpi: 150 }]));
    const r = await extract(scan);
    expect(r.ok ? r.result.text : r.error.message).toContain('WORDS MAKE LIFE BETTER');
    if (r.ok) expect(r.result.pages?.[0]?.ocr?.engine).toBe('tesseract.js');
    if (!existsSync(corpusPhoto)) return; // the photo comes from the shared corpus
    const photo = await extract(corpusPhoto);
    expect(photo.ok && photo.result.metadata.ocr).toMatchObject({ skipped: 'no text likely', probe: { likely: false } });
  });

  it('reads a 7z archive (7-Zip in WebAssembly, its wasm read by path)', skipWhen(!existsSync(corpus7z), `${corpus7z} not found`), async () => {
    const r = await extract(corpus7z);
    expect(r.ok ? r.result.text : r.error.message).toMatch(/test1\.xml/);
  });
});

describe('the extraction host from inside a packaged app', () => {
  // The host script stays in app.asar (it loads piscina from there); its
  // threads run the worker from app.asar.unpacked. A folder named app.asar
  // stands in for the archive, which Electron reads like a folder.
  it('starts, finds the unpacked worker and extracts a file', async () => {
    const asar = path.join(home, 'resources', 'app.asar');
    cpSync(path.join(root, 'dist/host.cjs'), path.join(asar, 'dist/host.cjs'));
    cpSync(path.join(root, 'node_modules/piscina'), path.join(asar, 'node_modules/piscina'), { recursive: true });
    const host = new ExtractionHost({ hostFile: path.join(asar, 'dist/host.cjs'), threads: 1 });
    try {
      const file = path.join(home, 'host.docx');
      writeFileSync(file, makeDocx({ body: [{ text: 'Packaged host text' }] }));
      const r = await host.run({ path: file, options: {} });
      expect(r.result.text).toContain('Packaged host text');
    } finally {
      await host.close();
    }
  });
});

describe('the search indexer from inside a packaged app', () => {
  // The main bundle sits in app.asar, which a worker thread cannot count on
  // reading (no folder of that name here at all): the indexer's worker must
  // load better-sqlite3 from the unpacked copy alone. Were it missing there,
  // the worker would fail and the indexer say so (and index on the store's
  // connection): no error is what tells the worker did the indexing.
  it('indexes on its worker thread with better-sqlite3 from app.asar.unpacked', async () => {
    const bundle = path.join(home, 'resources', 'app.asar', 'dist', 'main', 'main.cjs');
    expect(existsSync(path.dirname(bundle))).toBe(false);
    const dbPath = path.join(home, 'indexer.db');
    const store = JobStore.open(dbPath);
    const errors: Error[] = [];
    const indexer = new SearchIndexer({ dbPath, store, onSpooled: () => undefined, onError: (e) => errors.push(e), moduleUrl: pathToFileURL(bundle).href });
    try {
      for (let i = 0; i < 20; i++) {
        const [job] = store.add([{ fileName: `p${i}.txt`, sourcePath: path.join(home, `p${i}.txt`), priority: 1 }]);
        store.claim(1, Date.now(), 60_000, OWNER);
        store.complete(job!.id, sampleResult({ text: `packagedword p${i}` }));
      }
      expect(store.pendingResults()).toBe(20);
      await indexer.idle();
      expect(errors.map((e) => e.message)).toEqual([]);
      expect(store.pendingResults()).toBe(0);
      expect(indexer.stats.indexed).toBe(20);
      expect(store.db.prepare(`SELECT count(*) FROM results_fts WHERE results_fts MATCH 'packagedword'`).pluck().get()).toBe(20);
    } finally {
      await indexer.stop();
      store.close();
    }
  });
});

describe('an update installed over a running app', () => {
  // The installer replaces dist/workers: the old version's chunks are gone
  // while the running app's threads still import them on first use.
  it('fails a file whose extractor is gone with a reason a person can act on, and the thread goes on', async () => {
    const dir = path.join(unpacked, 'dist/workers-replaced');
    cpSync(path.join(unpacked, 'dist/workers'), dir, { recursive: true });
    // The registry that imports it may sit in the entry or in a chunk the entry shares. Only
    // modules the entry reaches count: chunks of earlier builds stay a day (scripts/build.mjs).
    const code = reachableModules(dir, 'extract.mjs')
      .map((f) => readFileSync(path.join(dir, f), 'utf8'))
      .join('\n');
    const chunk = code.match(/import\("\.\/(chunk-[A-Z0-9]+\.mjs)"\)\.then\(\(m\) => m\.csvExtractor\)/)?.[1];
    expect(chunk, 'the CSV extractor is loaded from a chunk of its own').toBeTruthy();
    const old = new Piscina({ filename: path.join(dir, 'extract.mjs'), maxThreads: 1 });
    try {
      const txt = path.join(home, 'before.txt');
      writeFileSync(txt, 'loaded before the update');
      expect(((await old.run({ path: txt, options: {} })) as WorkerOutcome).ok).toBe(true);
      rmSync(path.join(dir, chunk!));
      const csv = path.join(home, 'after.csv');
      writeFileSync(csv, 'a,b\n1,2\n');
      const r = (await old.run({ path: csv, options: {} })) as WorkerOutcome;
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('internal'); // retryable: it works again once Quarry restarts
        expect(r.error.message).toMatch(
          /^The CSV extractor could not be loaded: Quarry's program files changed while it was running .*Restart Quarry, then retry this job/,
        );
      }
      // The thread is not broken: what it had loaded still works.
      expect(((await old.run({ path: txt, options: {} })) as WorkerOutcome).ok).toBe(true);
    } finally {
      await old.destroy();
    }
  });
});

/** The entry and every chunk it imports, statically or dynamically, transitively. */
function reachableModules(dir: string, entry: string): string[] {
  const seen = new Set([entry]);
  for (const file of seen) {
    const code = readFileSync(path.join(dir, file), 'utf8');
    for (const m of code.matchAll(/["']\.\/(chunk-[A-Z0-9]+\.mjs)["']/g)) seen.add(m[1]!);
  }
  return [...seen];
}
