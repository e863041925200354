/**
 * `quarry show ID --text | --markdown | --tables | --metadata` (one part of a
 * job's result, on stdout) and `quarry export` (the results a filter
 * selects); `quarry search` is in cli-search.ts. Whatever comes from a file is
 * escaped (printable): a file cannot move the terminal's cursor or forge a line.
 */
import path from 'node:path';
import { Option, type Command } from 'commander';
import { exportFormatSchema, type ExportFormat } from '../shared/contract.js';
import type { ExportFilter } from '../shared/export-filter.js';
import { FORMATS, type Format } from '../shared/extraction.js';
import { JOB_STATUSES, type Job, type JobStatus } from '../shared/job.js';
import { CHUNK_DEFAULTS } from './core/export-chunks.js';
import { exportResults } from './core/export.js';
import { readResultPart, textChunks } from './core/result-parts.js';
import type { JobStore } from './core/store/job-store.js';
import { CliError, dbOption, err, int, json, out, outText, printable, withStore } from './cli-kit.js';
import { notIndexedYet, size } from './cli-search.js';

/** The largest slice `--json` returns, and the most pages `--page` looks through. */
const SLICE_CHARS = 1_000_000;

export interface PartFlags {
  text?: boolean;
  markdown?: boolean;
  tables?: boolean;
  metadata?: boolean;
  chunks?: boolean;
  page?: number;
  json?: boolean;
}

export const partOptions = (c: Command) =>
  c
    .option('--text', "print the result's text")
    .option('--markdown', "print the result's Markdown")
    .option('--tables', "print the result's tables (tab-separated, one block per table)")
    .option('--metadata', "print the result's metadata")
    .option('--chunks', "print the result's retrieval-sized chunks (1000 characters, 100 of overlap; as export --format chunks)")
    .option('--page <n>', 'with --text (the default then): only this page', int('page', 0));

/** True when a part was asked for (then `show` prints it instead of the job's history). */
export function wantsPart(o: PartFlags): boolean {
  return !!(o.text || o.markdown || o.tables || o.metadata || o.chunks || o.page !== undefined);
}

export async function printPart(store: JobStore, job: Job, o: PartFlags): Promise<void> {
  const chosen = (['text', 'markdown', 'tables', 'metadata', 'chunks'] as const).filter((p) => o[p]);
  if (chosen.length > 1)
    throw new CliError(`Choose one of --text, --markdown, --tables, --metadata, --chunks (got ${chosen.map((c) => '--' + c).join(', ')}).`);
  if (o.page !== undefined) return printPage(store, job, o.page, !!o.json);
  const part = chosen[0] ?? 'text';
  if (part === 'text' || part === 'markdown') return printText(store, job, part, !!o.json);
  const value = await readResultPart(store, { id: job.id, part, ...(part === 'chunks' ? { limit: SLICE_CHARS } : {}) });
  if (o.json) return json(value);
  if (value.part === 'chunks') {
    for (const c of value.chunks) {
      const where = [c.pages ? `pages ${c.pages[0]}${c.pages[1] !== c.pages[0] ? `-${c.pages[1]}` : ''}` : '', c.headingPath.join(' > ')]
        .filter(Boolean)
        .join(' · ');
      out(`# chunk ${c.index + 1} of ${value.total}${where ? ` · ${printable(where)}` : ''} (characters ${c.start}-${c.end})`);
      outText(`${c.text}\n\n`);
    }
    return;
  }
  if (value.part === 'tables') {
    value.tables.forEach((t, i) => {
      if (i) out('');
      out(`# ${printable(t.name ?? `table ${i + 1}`)}`);
      for (const row of t.rows) out(row.map(printable).join('\t'));
    });
  } else if (value.part === 'metadata') {
    for (const [key, v] of Object.entries(value.metadata)) out(`${printable(key)}: ${printable(typeof v === 'string' ? v : JSON.stringify(v))}`);
  }
}

async function printText(store: JobStore, job: Job, part: 'text' | 'markdown', asJson: boolean): Promise<void> {
  if (asJson) return json(await readResultPart(store, { id: job.id, part, limit: SLICE_CHARS }));
  const chunks = await textChunks(store, job.id, part, (note) => err(`quarry: ${printable(note)}`));
  for await (const chunk of chunks) {
    outText(chunk);
    // Each chunk reaches stdout before the next is read: a 500 MB text is never held whole.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  outText('\n');
}

async function printPage(store: JobStore, job: Job, number: number, asJson: boolean): Promise<void> {
  const pages = await readResultPart(store, { id: job.id, part: 'pages', limit: SLICE_CHARS });
  if (pages.part !== 'pages') return;
  const page = pages.pages.find((p) => p.number === number);
  if (!page) {
    const which = pages.total ? `its pages are numbered ${pages.pages[0]!.number} to ${pages.pages.at(-1)!.number}` : 'it has no pages';
    throw new CliError(`Job ${job.shortId} has no page ${number}: ${which}.`);
  }
  if (asJson) return json(page);
  out(page.text);
}

export function registerExportCommand(program: Command): void {
  program
    .command('export')
    .description('write finished results to a folder: all of them, or those the filters select')
    .addOption(dbOption())
    .requiredOption('--out <dir>', 'folder to write to')
    .addOption(
      new Option('--format <format>', 'jsonl, json, csv, md (a folder: one file each and an index), sqlite, or chunks (JSON Lines: retrieval-sized chunks)')
        .choices(exportFormatSchema.options)
        .default('jsonl'),
    )
    .addOption(new Option('--status <status>', 'only jobs with this status (default: completed, partial, failed)').choices(JOB_STATUSES))
    .addOption(new Option('--file-format <format>', 'only files of this format').choices(FORMATS))
    .option('--batch <id>', 'only this batch or container and its files (id or prefix)')
    .option('--search <query>', 'only files whose extracted content matches this full-text query (as `quarry search`)')
    .option('--name <text>', 'only files with this text in their name or error')
    .option('--since <date>', 'created at or after (ISO date or time)')
    .option('--until <date>', 'created before (ISO date or time)')
    .option('--min-size <size>', 'only files of at least this size (bytes, or 10k, 5M, 1G)', size('min-size'))
    .option('--max-size <size>', 'only files of at most this size', size('max-size'))
    .option('--ids <ids...>', 'only these jobs (ids or prefixes)')
    .option('--chunk-size <n>', `chunks: target size of a chunk (default ${CHUNK_DEFAULTS.size})`, int('--chunk-size', 1))
    .option('--overlap <n>', `chunks: how much of a chunk the next one repeats (default ${CHUNK_DEFAULTS.overlap})`, int('--overlap', 0))
    .addOption(
      new Option('--chunk-unit <unit>', 'chunks: sizes in characters, or in tokens (about 4 characters each)').choices(['chars', 'tokens']).default('chars'),
    )
    .action(async (o) => {
      await withStore(o.db, async (store) => {
        const filter = exportFilter(o);
        const chunking = { size: o.chunkSize, overlap: o.overlap, unit: o.chunkUnit as 'chars' | 'tokens' };
        if (o.format !== 'chunks' && (o.chunkSize !== undefined || o.overlap !== undefined))
          throw new CliError('--chunk-size and --overlap go with --format chunks');
        const s = await exportResults(store, path.resolve(o.out), o.format as ExportFormat, {
          filter,
          chunking: Object.fromEntries(Object.entries(chunking).filter(([, v]) => v !== undefined)),
        });
        const chunks = 'chunks' in s ? `${(s.chunks as number).toLocaleString('en')} chunks of ` : '';
        out(`${chunks}${s.jobs} document${s.jobs === 1 ? '' : 's'} written to ${printable(s.file)}`);
        // On stderr, as \`quarry search\` says it: stdout stays the one line a script reads.
        if (s.indexing) err(notIndexedYet(s.indexing, 'export'));
      });
    });
}

interface ExportFlags {
  status?: string;
  fileFormat?: string;
  batch?: string;
  search?: string;
  name?: string;
  since?: string;
  until?: string;
  minSize?: number;
  maxSize?: number;
  ids?: string[];
}

function exportFilter(o: ExportFlags): ExportFilter {
  const date = (v: string, name: string) => {
    const t = Date.parse(v);
    if (Number.isNaN(t)) throw new CliError(`--${name}: "${v}" is not a date (use e.g. 2026-11-01 or 2026-11-01T08:00).`);
    return t;
  };
  return {
    ...(o.status ? { status: o.status as JobStatus } : {}),
    ...(o.fileFormat ? { format: o.fileFormat as Format } : {}),
    ...(o.batch ? { batch: o.batch } : {}),
    ...(o.search ? { query: o.search } : {}),
    ...(o.name ? { search: o.name } : {}),
    ...(o.since ? { createdFrom: date(o.since, 'since') } : {}),
    ...(o.until ? { createdTo: date(o.until, 'until') } : {}),
    ...(o.minSize !== undefined ? { minSize: o.minSize } : {}),
    ...(o.maxSize !== undefined ? { maxSize: o.maxSize } : {}),
    ...(o.ids?.length ? { ids: o.ids } : {}),
  };
}
