/**
 * Loads pdf.js once per worker thread.
 *
 * pdfjs-dist is ESM-only with top-level await: it stays out of the worker's
 * bundle (an external) and is loaded with a dynamic import() at run time,
 * the first time a PDF comes.
 *
 * In Node pdf.js runs its "worker" in the same thread; we import the worker
 * module ourselves and hand it over through globalThis.pdfjsWorker so pdf.js
 * does not resolve a relative worker URL at run time.
 *
 * The legacy build (the one for Node 20) carries core-js polyfills. They add
 * what Node 20 lacks, which pdf.js needs, but on V8 before 12.2 (Node 20: the
 * CLI, the browser mode; not Electron 45) one also replaces
 * Array.prototype.push with a JavaScript version, over a V8 edge case (push
 * on an array whose length was made read-only) that nothing here meets. That
 * made every push in the thread, ours included, about twice as slow, and was
 * 12% of the time pdf.js took on a text-heavy PDF: the native one is put back.
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
    const push = Object.getOwnPropertyDescriptor(Array.prototype, 'push')!;
    try {
      const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
      const worker = await import('pdfjs-dist/legacy/build/pdf.worker.mjs');
      (globalThis as { pdfjsWorker?: unknown }).pdfjsWorker = worker;
      return pdfjs;
    } finally {
      Object.defineProperty(Array.prototype, 'push', push);
    }
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
