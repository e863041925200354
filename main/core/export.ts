/**
 * Export of finished jobs to files: JSON Lines (everything), JSON (one array)
 * or CSV (one row a job, the text in a column). Failed jobs are included with
 * their error, so an export accounts for every file; cancelled ones are not.
 * Streams row by row, so a large store is exported without holding it all.
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import Papa from 'papaparse';
import type { Job } from '../../shared/job.js';
import type { JobStore, StoredResult } from './store/job-store.js';

export const EXPORT_FORMATS = ['jsonl', 'json', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportSummary {
  file: string;
  format: ExportFormat;
  jobs: number;
  bytes: number;
}

const CSV_COLUMNS = [
  'id', 'file_name', 'source_path', 'format', 'status', 'content_hash', 'extractor',
  'title', 'pages', 'items', 'tables', 'entities', 'warnings', 'error', 'text',
] as const;

export function exportRecord(job: Job, result: StoredResult | undefined) {
  return {
    id: job.id,
    fileName: job.fileName,
    sourcePath: job.sourcePath,
    format: job.format,
    status: job.status,
    contentHash: job.contentHash,
    sizeBytes: job.sizeBytes,
    completedAt: job.completedAt ? new Date(job.completedAt).toISOString() : null,
    extractor: result ? { name: result.extractor, version: result.extractorVersion } : null,
    text: result?.text ?? '',
    markdown: result?.markdown ?? '',
    metadata: result?.document.metadata ?? {},
    tables: result?.document.tables ?? [],
    entities: result?.document.entities ?? [],
    pages: result?.document.pages ?? [],
    warnings: result?.document.warnings ?? [],
    counters: result?.document.counters ?? { items: 0 },
    error: job.errorCode ? { code: job.errorCode, category: job.errorCategory, message: job.errorMessage } : null,
  };
}

function csvRow(job: Job, result: StoredResult | undefined): string {
  const r = exportRecord(job, result);
  const title = typeof r.metadata.title === 'string' ? r.metadata.title : '';
  const row = [
    r.id, r.fileName ?? '', r.sourcePath ?? '', r.format ?? '', r.status, r.contentHash ?? '',
    r.extractor ? `${r.extractor.name}@${r.extractor.version}` : '', title,
    String(r.pages.length || (r.counters.pages ?? '')), String(r.counters.items),
    String(r.tables.length), String(r.entities.length), r.warnings.join(' | '),
    r.error ? `${r.error.code}: ${r.error.message}` : '', r.text,
  ];
  return Papa.unparse([row], { newline: '\r\n' }) + '\r\n';
}

export async function exportResults(store: JobStore, outDir: string, format: ExportFormat): Promise<ExportSummary> {
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `quarry-results.${format}`);
  const out = createWriteStream(file);
  const write = async (chunk: string) => {
    if (!out.write(chunk)) await once(out, 'drain');
  };
  let jobs = 0;
  if (format === 'csv') await write('\uFEFF' + Papa.unparse([CSV_COLUMNS as unknown as string[]]) + '\r\n');
  if (format === 'json') await write('[\n');
  for (const { job, result } of store.finishedWithResults(['completed', 'partial', 'failed'])) {
    if (format === 'csv') await write(csvRow(job, result));
    else if (format === 'json') await write((jobs ? ',\n' : '') + JSON.stringify(exportRecord(job, result)));
    else await write(JSON.stringify(exportRecord(job, result)) + '\n');
    jobs++;
  }
  if (format === 'json') await write('\n]\n');
  out.end();
  await once(out, 'finish');
  return { file, format, jobs, bytes: out.bytesWritten };
}
