/**
 * Loads pdf.js once per worker thread.
 *
 * pdfjs-dist is ESM-only with top-level await, so it cannot be require()d
 * from our CommonJS bundle: it is loaded with a real dynamic import() at run
 * time (esbuild keeps import() of externals as-is for a node20 target).
 *
 * In Node pdf.js runs its "worker" in the same thread; we import the worker
 * module ourselves and hand it over through globalThis.pdfjsWorker so pdf.js
 * does not resolve a relative worker URL at run time.
 */
import { createRequire } from 'node:module';
import path from 'node:path';

export type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs');

let loading: Promise<PdfJs> | undefined;

/**
 * pdf.js logs "Warning: ..." with console.log at import time (e.g. when the
 * optional canvas package for DOMMatrix is missing) before any verbosity
 * can be set. The CLI's stdout carries results, so swallow those lines
 * during import only.
 */
async function quietly<T>(load: () => Promise<T>): Promise<T> {
  const original = console.log;
  console.log = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].startsWith('Warning:')) return;
    original(...args);
  };
  try {
    return await load();
  } finally {
    console.log = original;
  }
}

export function loadPdfJs(): Promise<PdfJs> {
  loading ??= quietly(async () => {
    const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
    const worker = await import('pdfjs-dist/legacy/build/pdf.worker.mjs');
    (globalThis as { pdfjsWorker?: unknown }).pdfjsWorker = worker;
    return pdfjs;
  });
  // A failed load should be retried by the next task, not cached forever.
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}

let packageDir: string | undefined;

/** Directory of the installed pdfjs-dist (for its bundled CMaps; no network). */
export function pdfjsPackageDir(): string {
  packageDir ??= path.dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));
  return packageDir;
}

export function pdfjsVersion(): string {
  try {
    return (createRequire(import.meta.url)('pdfjs-dist/package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
