/**
 * The piscina worker entry: one task = one file.
 *
 * The main thread sends a path (never bytes); this worker stats, detects,
 * reads and extracts, posting throttled ProgressMessages on `task.port`.
 * Expected failures come back as values ({ ok: false, error }) because
 * Error objects lose their fields crossing threads; this function does not
 * throw for them.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { MessagePort } from 'node:worker_threads';
import {
  ExtractionError,
  extractionResultSchema,
  FORMATS,
  type Detection,
  type ExtractionResult,
  type ExtractTask,
  type Format,
  type GroupOutcome,
  type GroupTask,
  type HashOutcome,
  type WorkerOutcome,
} from '../shared/extraction';
import { detectBuffer, detectFile, MIME } from './detect';
import { fsErrorCode, fsErrorMessage, serializeError } from './errors';
import { extractorFor, listExtractors as registryList, type ExtractorInfo } from './extractors/registry';
import { formatLabel, type ExtractOptions } from './extractors/types';
import { createProgressReporter } from './progress';
import { runMany as runGroup } from './run-many';

export const DEFAULT_MAX_BYTES = 1024 ** 3;

/** Options arrive as unknown JSON-ish values; keep only well-typed ones. */
export function parseOptions(raw: Record<string, unknown> | undefined): ExtractOptions {
  const o = raw ?? {};
  const str = (v: unknown) => (typeof v === 'string' && v.length ? v : undefined);
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined);
  return {
    password: typeof o.password === 'string' ? o.password : undefined,
    encoding: str(o.encoding),
    format: typeof o.format === 'string' && (FORMATS as readonly string[]).includes(o.format) ? (o.format as Format) : undefined,
    maxBytes: num(o.maxBytes),
    mainContentOnly: o.mainContentOnly === true,
    delimiter: str(o.delimiter),
    stepTimeoutMs: num(o.stepTimeoutMs),
    maxPages: num(o.maxPages),
    pageBudgetMs: num(o.pageBudgetMs),
    ocr: o.ocr === 'always' ? 'always' : o.ocr !== false,
    ocrMaxPages: num(o.ocrMaxPages),
    ocrBudgetMs: num(o.ocrBudgetMs),
    ocrLanguage: str(o.ocrLanguage),
    depth: typeof o.depth === 'number' && Number.isInteger(o.depth) && o.depth >= 0 ? o.depth : 0,
    maxDepth: num(o.maxDepth),
    maxEntries: num(o.maxEntries),
    maxEntryBytes: num(o.maxEntryBytes),
    maxTotalBytes: num(o.maxTotalBytes),
    maxRatio: num(o.maxRatio),
  };
}

/** Validating a million-row table costs seconds; a sample proves the shape just as well. */
function validationSample(result: ExtractionResult): ExtractionResult {
  return {
    ...result,
    tables: result.tables.slice(0, 50).map((t) => ({ ...t, rows: t.rows.slice(0, 200) })),
    entities: result.entities.slice(0, 1000),
    pages: result.pages?.slice(0, 1000),
  };
}

function fail(code: ExtractionError['code'], message: string, details: Record<string, unknown> = {}): WorkerOutcome {
  return { ok: false, error: { code, message, details } };
}

/** Files up to this size are hashed by the extract task itself when the extractor did not read them through. */
const HASH_INLINE_MAX = 1024 * 1024;
/**
 * Files up to this size are read once, whole, up front: detection, the
 * extractor and the hash share the bytes. A small file otherwise cost eight
 * round trips to libuv's thread pool (stat, open, read, close, twice), most of
 * its time.
 */
const READ_WHOLE_MAX = 1024 * 1024;

export default async function extract(task: ExtractTask & { port?: MessagePort }): Promise<WorkerOutcome> {
  if (task?.started) task.started[0] = Date.now(); // the time limit counts from now (see ExtractTask)
  const progress = createProgressReporter(task?.port);
  try {
    return await run(task, progress.report);
  } finally {
    await progress.finish();
  }
}

/** Also usable in-process (CLI, tests): same behaviour without a port. */
export async function run(task: ExtractTask, onProgress: (processed: number, total: number) => void = () => undefined): Promise<WorkerOutcome> {
  const startedAt = Date.now();
  const filePath = task?.path;
  if (typeof filePath !== 'string' || !filePath) return fail('internal', 'Extraction task has no file path');
  const options = parseOptions(task.options);

  // 1. The file itself. Synchronous calls: this thread has nothing else to
  // do meanwhile, and each asynchronous one is a round trip to libuv's pool.
  let size: number;
  try {
    const st = statSync(filePath);
    if (!st.isFile()) return fail('not_a_file', `${st.isDirectory() ? 'Directory' : 'Not a regular file'}: ${filePath}`);
    size = st.size;
  } catch (err) {
    const code = fsErrorCode(err) ?? 'internal';
    return fail(code, fsErrorMessage(code, filePath, err), { syscall: (err as NodeJS.ErrnoException).code });
  }
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (size > maxBytes) {
    return fail('too_large', `File is ${(size / 1024 ** 2).toFixed(1)} MiB, over the ${(maxBytes / 1024 ** 2).toFixed(0)} MiB limit`, { size, maxBytes });
  }

  // 2. What it is.
  let detection: Detection;
  let whole: Buffer | undefined;
  try {
    if (size <= READ_WHOLE_MAX) {
      whole = readFileSync(filePath);
      size = whole.length; // what was read, should the file have changed since the stat
    }
    detection = options.format
      ? { format: options.format, method: 'forced', mime: MIME[options.format] }
      : whole
        ? await detectBuffer(whole, filePath, { encoding: options.encoding })
        : await detectFile(filePath, { encoding: options.encoding });
  } catch (err) {
    const code = fsErrorCode(err);
    if (code) return fail(code, fsErrorMessage(code, filePath, err));
    return { ok: false, error: serializeError(err, undefined, 'other') };
  }
  const format = detection.format;
  let extractor;
  try {
    extractor = await extractorFor(format);
  } catch (err) {
    return fail('internal', extractorLoadMessage(format, err), { format });
  }
  if (!extractor) {
    const what =
      format === 'unknown'
        ? detection.mime && detection.mime !== MIME.unknown
          ? `Unsupported file type (${detection.mime})`
          : 'Unrecognised file format (binary content without a known signature or extension)'
        : `No extractor for ${formatLabel(format)} files yet`;
    return fail('unsupported_format', what, { format, detection });
  }

  // 3. Extraction. The sha256 comes for free when the bytes pass through
  // anyway: read whole, or streamed from start to end.
  let bytes: Promise<Buffer> | undefined;
  let sha256: string | undefined;
  const read = () =>
    (bytes ??= (whole ? Promise.resolve(whole) : readFile(filePath)).then((b) => {
      sha256 = createHash('sha256').update(b).digest('hex');
      return b;
    }));
  const stream = (opts: { highWaterMark?: number } = {}): Readable => {
    const s = createReadStream(filePath, { highWaterMark: opts.highWaterMark ?? 1024 * 1024 });
    const h: Hash = createHash('sha256');
    let seen = 0;
    s.on('data', (chunk: Buffer | string) => {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      h.update(b);
      seen += b.length;
      // Every byte went through (readers may stop right after the last chunk, before 'end').
      if (seen === size && !sha256) sha256 = h.digest('hex');
    });
    return s;
  };
  let parts;
  try {
    parts = await extractor.extract(
      { path: filePath, size, detection, options, read, stream, ...(task.spoolDir ? { spoolDir: task.spoolDir } : {}) },
      { progress: onProgress },
    );
  } catch (err) {
    const code = fsErrorCode(err);
    if (code) return fail(code, fsErrorMessage(code, filePath, err), { format });
    return { ok: false, error: serializeError(err, format, 'parse') };
  }

  // 4. Assemble and check the result.
  try {
    const warnings = [...(parts.warnings ?? [])];
    if (!parts.text.trim() && warnings.length === 0) warnings.push(`No text found in this ${formatLabel(format)} file`);
    const counters = parts.counters ?? { items: 0 };
    const result: ExtractionResult = {
      format,
      detection: parts.encoding ? { ...detection, encoding: parts.encoding } : detection,
      extractor: { name: extractor.name, version: extractor.version },
      text: parts.text,
      markdown: parts.markdown ?? parts.text,
      metadata: parts.metadata ?? {},
      tables: parts.tables ?? [],
      entities: parts.entities ?? [],
      ...(parts.pages ? { pages: parts.pages } : {}),
      warnings,
      ...(parts.children ? { children: parts.children } : {}),
      ...(parts.indexOnly ? { indexOnly: parts.indexOnly } : {}),
      counters: { ...counters, items: Math.max(0, Math.trunc(counters.items)) },
    };
    const check = extractionResultSchema.safeParse(validationSample(result));
    if (!check.success) {
      return fail('internal', `The ${formatLabel(format)} extractor produced an invalid result: ${check.error.message}`, { format });
    }
    onProgress(result.counters.items, result.counters.items);
    // Extractors that open the file themselves leave the hash unset: a small
    // file is hashed here, since main skips the separate hash task for those
    // (see DEDUP_MIN_BYTES); its row records the hash.
    if (!sha256 && size <= HASH_INLINE_MAX)
      sha256 = createHash('sha256')
        .update(whole ?? (await readFile(filePath)))
        .digest('hex');
    const timing = { startedAt, finishedAt: Date.now() };
    return sha256 ? { ok: true, result, sha256, ...timing } : { ok: true, result, ...timing };
  } catch (err) {
    return { ok: false, error: serializeError(err, format, 'other') };
  }
}

/**
 * Extractors load on first use (see extractors/registry.ts), from files beside
 * this one. If those files changed after Quarry started (an update installed
 * over a running copy removes the old version's files), the import fails: say
 * so in words a person can act on, not only as a missing module path.
 */
function extractorLoadMessage(format: Format, err: unknown): string {
  const why = err instanceof Error ? err.message : String(err);
  if ((err as NodeJS.ErrnoException)?.code === 'ERR_MODULE_NOT_FOUND') {
    return `The ${formatLabel(format)} extractor could not be loaded: Quarry's program files changed while it was running (was an update installed?). Restart Quarry, then retry this job. (${why})`;
  }
  return `The ${formatLabel(format)} extractor could not be loaded: ${why}`;
}

/** Named task for the pool: several small files in one task (see GroupTask). */
export function runMany(group: GroupTask): Promise<GroupOutcome> {
  return runGroup(group, (task) => run(task));
}

/**
 * Named task for the pool: `pool.run({ path }, { name: 'hash' })`. Streams
 * the file through sha256 (64 KiB at a time, whatever its size) so main can
 * reuse a stored result for identical content before extracting.
 */
export async function hash(task: { path: string }): Promise<HashOutcome> {
  const filePath = task?.path;
  if (typeof filePath !== 'string' || !filePath) return { ok: false, error: { code: 'internal', message: 'Hash task has no file path' } };
  let fh;
  try {
    fh = await open(filePath, 'r');
  } catch (err) {
    const code = fsErrorCode(err) ?? 'internal';
    return { ok: false, error: { code, message: fsErrorMessage(code, filePath, err), details: { syscall: (err as NodeJS.ErrnoException).code } } };
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) return { ok: false, error: { code: 'not_a_file', message: `${st.isDirectory() ? 'Directory' : 'Not a regular file'}: ${filePath}` } };
    const h = createHash('sha256');
    const buf = Buffer.allocUnsafe(1024 * 1024);
    let size = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      h.update(buf.subarray(0, bytesRead));
      size += bytesRead;
    }
    return { ok: true, sha256: h.digest('hex'), size };
  } catch (err) {
    const code = fsErrorCode(err) ?? 'internal';
    return { ok: false, error: { code, message: fsErrorMessage(code, filePath, err) } };
  } finally {
    await fh.close().catch(() => undefined);
  }
}

/** Named task for the pool: `pool.run(null, { name: 'listExtractors' })`. */
export function listExtractors(): Promise<ExtractorInfo[]> {
  return registryList();
}
